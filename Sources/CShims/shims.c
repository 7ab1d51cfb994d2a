#define _GNU_SOURCE
#include "kdnet_shims.h"
#include <sodium.h>
#include <unistd.h>

void kdnet_secure_zero(void *buf, size_t len) { sodium_memzero(buf, len); }

int kdnet_syncfs(int fd) { return syncfs(fd); }
