#define _GNU_SOURCE
#include "kdnet_shims.h"
#include <unistd.h>

int kdnet_syncfs(int fd) { return syncfs(fd); }
