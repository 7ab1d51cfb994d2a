#include "kdnet_shims.h"
#include <sodium.h>

void kdnet_secure_zero(void *buf, size_t len) { sodium_memzero(buf, len); }
