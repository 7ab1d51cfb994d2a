#ifndef KDNET_DATAGRAM_CIPHER_H
#define KDNET_DATAGRAM_CIPHER_H
#include <stddef.h>
#include <stdint.h>

/// One KDNET cipher (an AES-256 key and an HMAC-SHA256 key) with everything that depends
/// only on the keys done once: the AES key schedule and the HMAC's inner and outer
/// digest states. Opening a datagram then costs only its own bytes, which is what
/// matters for captures of many small datagrams. Not safe for concurrent use: the
/// caller serialises (the Swift side holds it behind a mutex).
typedef struct kdnet_datagram_cipher kdnet_datagram_cipher;

/// NULL when libcrypto cannot set it up (out of memory).
kdnet_datagram_cipher *kdnet_cipher_create(const uint8_t aes_key[32], const uint8_t hmac_key[32]);

/// Frees it, overwriting the key material first.
void kdnet_cipher_destroy(kdnet_datagram_cipher *cipher);

/// Decrypts `ciphertext` (`length`, a multiple of 16) with `iv` into `plaintext`, then
/// compares `tag` (16 bytes) with the first 16 bytes of HMAC-SHA256(`clear` || plaintext)
/// in constant time. 1: authentic; 0: not (the plaintext is then meaningless); -1: libcrypto failed.
int kdnet_cipher_open(kdnet_datagram_cipher *cipher,
                      const uint8_t *clear, size_t clear_length,
                      const uint8_t *ciphertext, size_t length, const uint8_t tag[16],
                      uint8_t *plaintext);

/// The first 16 bytes of HMAC-SHA256(`clear` || `plaintext`) into `tag`.
void kdnet_cipher_tag(const kdnet_datagram_cipher *cipher,
                      const uint8_t *clear, size_t clear_length,
                      const uint8_t *plaintext, size_t length, uint8_t tag[16]);

/// Encrypts `plaintext` (`length`, a multiple of 16) with `iv` into `ciphertext`. 1 or -1
/// (-1 also when the encryption context, made by the first call, cannot be).
int kdnet_cipher_encrypt(kdnet_datagram_cipher *cipher, const uint8_t *plaintext, size_t length,
                         const uint8_t iv[16], uint8_t *ciphertext);

#endif
