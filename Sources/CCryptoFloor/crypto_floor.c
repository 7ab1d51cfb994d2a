#include "crypto_floor.h"
#include "kdnet_datagram_cipher.h"
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <time.h>

static double thread_cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct { EVP_CIPHER_CTX *aes; EVP_MAC_CTX *mac; kdnet_datagram_cipher *states; } floor_context;

static int open_evp(floor_context *c, const uint8_t *d, size_t n, uint8_t *plain) {
    size_t body = n - 22, mac_length = 0;
    int written = 0;
    uint8_t mac[64];
    if (EVP_DecryptInit_ex(c->aes, NULL, NULL, NULL, d + n - 16) != 1) return -1;
    if (EVP_DecryptUpdate(c->aes, plain, &written, d + 6, (int)body) != 1) return -1;
    if (EVP_MAC_init(c->mac, NULL, 0, NULL) != 1) return -1;
    EVP_MAC_update(c->mac, d, 6);
    EVP_MAC_update(c->mac, plain, body);
    if (EVP_MAC_final(c->mac, mac, &mac_length, sizeof mac) != 1) return -1;
    return CRYPTO_memcmp(mac, d + n - 16, 16) == 0;
}

long kdnet_crypto_floor(kdnet_floor_kind kind, const kdnet_floor_datagram *datagrams, size_t count,
                        const kdnet_floor_key *keys, size_t key_count, double *cpu_seconds) {
    floor_context *contexts = calloc(key_count, sizeof *contexts);
    uint8_t *plain = malloc(65536);
    long authentic = -1;
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!contexts || !plain || !hmac) goto done;
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0), OSSL_PARAM_construct_end() };
    for (size_t k = 0; k < key_count; k++) {
        if (kind == KDNET_FLOOR_EVP) {
            contexts[k].aes = EVP_CIPHER_CTX_new();
            contexts[k].mac = EVP_MAC_CTX_new(hmac);
            if (!contexts[k].aes || !contexts[k].mac
                || EVP_DecryptInit_ex(contexts[k].aes, EVP_aes_256_cbc(), NULL, keys[k].aes, NULL) != 1
                || EVP_MAC_init(contexts[k].mac, keys[k].hmac, 32, params) != 1) goto done;
            EVP_CIPHER_CTX_set_padding(contexts[k].aes, 0);
        } else {
            contexts[k].states = kdnet_cipher_create(keys[k].aes, keys[k].hmac);
            if (!contexts[k].states) goto done;
        }
    }
    long ok = 0;
    double start = thread_cpu();
    for (size_t i = 0; i < count; i++) {
        const kdnet_floor_datagram *d = &datagrams[i];
        if (d->length < 38 || d->length > 65536 || d->key >= key_count) continue;
        int r = kind == KDNET_FLOOR_EVP
            ? open_evp(&contexts[d->key], d->bytes, d->length, plain)
            : kdnet_cipher_open(contexts[d->key].states, d->bytes, 6, d->bytes + 6, d->length - 22, d->bytes + d->length - 16, plain);
        if (r < 0) goto done;
        ok += r;
    }
    *cpu_seconds = thread_cpu() - start;
    authentic = ok;
done:
    for (size_t k = 0; contexts && k < key_count; k++) {
        EVP_CIPHER_CTX_free(contexts[k].aes);
        EVP_MAC_CTX_free(contexts[k].mac);
        kdnet_cipher_destroy(contexts[k].states);
    }
    free(contexts);
    free(plain);
    EVP_MAC_free(hmac);
    return authentic;
}
