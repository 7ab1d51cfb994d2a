#include "kdnet_libvirt.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static kdnet_libvirt_api api;
static char failure[512];
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    // RTLD_LOCAL: its dependencies stay out of the global scope the rest of the process binds in.
    void *lib = dlopen("libvirt.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        snprintf(failure, sizeof failure, "%s", e ? e : "libvirt.so.0 could not be loaded");
        return;
    }
#define RESOLVE(field, symbol)                                                               \
    do {                                                                                     \
        *(void **)(&api.field) = dlsym(lib, #symbol);                                        \
        if (!api.field) {                                                                    \
            snprintf(failure, sizeof failure, "libvirt.so.0 has no %s (too old a libvirt)", #symbol); \
            return;                                                                          \
        }                                                                                    \
    } while (0)
    RESOLVE(connectOpen, virConnectOpen);
    RESOLVE(connectOpenReadOnly, virConnectOpenReadOnly);
    RESOLVE(connectClose, virConnectClose);
    RESOLVE(connectListAllDomains, virConnectListAllDomains);
    RESOLVE(connectListAllNetworks, virConnectListAllNetworks);
    RESOLVE(domainFree, virDomainFree);
    RESOLVE(domainGetName, virDomainGetName);
    RESOLVE(domainIsActive, virDomainIsActive);
    RESOLVE(domainGetState, virDomainGetState);
    RESOLVE(domainGetXMLDesc, virDomainGetXMLDesc);
    RESOLVE(domainLookupByName, virDomainLookupByName);
    RESOLVE(domainDefineXML, virDomainDefineXML);
    RESOLVE(networkFree, virNetworkFree);
    RESOLVE(networkGetXMLDesc, virNetworkGetXMLDesc);
    RESOLVE(networkIsActive, virNetworkIsActive);
    RESOLVE(setErrorFunc, virSetErrorFunc);
    RESOLVE(getLastErrorMessage, virGetLastErrorMessage);
#undef RESOLVE
    loaded = 1;
}

const kdnet_libvirt_api *kdnet_libvirt_load(char *why, unsigned long why_size) {
    pthread_once(&once, load);
    if (loaded) return &api;
    if (why && why_size) snprintf(why, why_size, "%s", failure);
    return NULL;
}
