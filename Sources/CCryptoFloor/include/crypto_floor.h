#ifndef KDNET_CRYPTO_FLOOR_H
#define KDNET_CRYPTO_FLOOR_H
#include <stddef.h>
#include <stdint.h>

/// One datagram of a capture (its UDP payload) and the key that opens it.
typedef struct {
    const uint8_t *bytes;
    size_t length;
    uint32_t key;
} kdnet_floor_datagram;

/// An AES-256 key and an HMAC-SHA256 key.
typedef struct {
    uint8_t aes[32];
    uint8_t hmac[32];
} kdnet_floor_key;

typedef enum {
    /// EVP_CIPHER_CTX and EVP_MAC_CTX set up once per key; per datagram only the IV
    /// (EVP_DecryptInit_ex with a NULL key) and an HMAC re-initialisation with the key kept.
    KDNET_FLOOR_EVP = 0,
    /// The same AES context, and the HMAC's inner and outer SHA-256 states copied per
    /// datagram (what kdnetctl's CDatagramCipher does).
    KDNET_FLOOR_DIGEST_STATES = 1,
} kdnet_floor_kind;

/// The crypto floor: for each datagram, AES-256-CBC decrypt and HMAC-SHA256 over its
/// clear header and plaintext, and the tag compared; nothing else (no parsing, no
/// records). Contexts are made for every key before the clock starts. Returns how many
/// datagrams authenticated (-1 when libcrypto fails); `cpu_seconds` is this thread's CPU
/// time for the loop alone.
long kdnet_crypto_floor(kdnet_floor_kind kind, const kdnet_floor_datagram *datagrams, size_t count,
                        const kdnet_floor_key *keys, size_t key_count, double *cpu_seconds);

#endif
