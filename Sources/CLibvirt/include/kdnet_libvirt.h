#ifndef KDNET_LIBVIRT_H
#define KDNET_LIBVIRT_H
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/// The part of libvirt's C API kdnetctl calls, resolved from libvirt.so.0 at first use.
/// Loaded on demand, not linked, because libvirt brings some 60 libraries (GnuTLS,
/// GLib, Kerberos, curl...) whose symbol binding cost every command about 15 ms of
/// start-up, and most commands never talk to libvirt.
typedef struct {
    virConnectPtr (*connectOpen)(const char *name);
    virConnectPtr (*connectOpenReadOnly)(const char *name);
    int (*connectClose)(virConnectPtr conn);
    int (*connectListAllDomains)(virConnectPtr conn, virDomainPtr **domains, unsigned int flags);
    int (*connectListAllNetworks)(virConnectPtr conn, virNetworkPtr **nets, unsigned int flags);
    int (*domainFree)(virDomainPtr domain);
    const char *(*domainGetName)(virDomainPtr domain);
    int (*domainIsActive)(virDomainPtr dom);
    int (*domainGetState)(virDomainPtr domain, int *state, int *reason, unsigned int flags);
    char *(*domainGetXMLDesc)(virDomainPtr domain, unsigned int flags);
    virDomainPtr (*domainLookupByName)(virConnectPtr conn, const char *name);
    virDomainPtr (*domainDefineXML)(virConnectPtr conn, const char *xml);
    int (*networkFree)(virNetworkPtr network);
    char *(*networkGetXMLDesc)(virNetworkPtr network, unsigned int flags);
    int (*networkIsActive)(virNetworkPtr net);
    void (*setErrorFunc)(void *userData, virErrorFunc handler);
    const char *(*getLastErrorMessage)(void);
} kdnet_libvirt_api;

/// libvirt's functions, loaded once (thread-safe); NULL when libvirt.so.0 cannot be
/// loaded or lacks one of them, with the reason copied to `why` (at most `why_size` bytes).
const kdnet_libvirt_api *kdnet_libvirt_load(char *why, unsigned long why_size);

#endif
