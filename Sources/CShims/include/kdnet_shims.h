#ifndef KDNET_SHIMS_H
#define KDNET_SHIMS_H
#include <stddef.h>
#include <stdint.h>

/// Overwrites `len` bytes so the compiler cannot elide it (key material).
void kdnet_secure_zero(void *buf, size_t len);

#endif
