#ifndef KDNET_SHIMS_H
#define KDNET_SHIMS_H
#include <stddef.h>
#include <stdint.h>

/// Overwrites `len` bytes so the compiler cannot elide it (key material).

/// syncfs(2), which glibc declares only under _GNU_SOURCE (so Swift's Glibc lacks it):
/// flushes the whole file system holding `fd`, file data included. 0 or -1 with errno.
int kdnet_syncfs(int fd);

/// One PCI function as libpci sees it, with names from pci.ids (empty when unknown).
typedef struct {
    int domain;
    int bus, dev, func;
    uint16_t vendor_id, device_id;
    uint16_t subsys_vendor_id, subsys_id; /* 0xffff when the dump lacks them */
    uint16_t device_class;                /* base class << 8 | subclass, e.g. 0x0200 */
    uint8_t prog_if;
    char vendor_name[128];
    char device_name[256];
    char subsys_name[256];
    char class_name[128];
    /* The configuration space bytes that could be read: 64 from `lspci -x`, 256 from
       `lspci -xxx` or a privileged sysfs read; 0 for devices named by id only. */
    uint8_t config[256];
    int config_len;
} kdnet_pci_device;

/// Lists PCI functions from this machine (`dump_path` NULL) or from an `lspci -x` dump,
/// naming them from `ids_path` (NULL: libpci's default pci.ids). Never exits the process:
/// libpci's fatal errors come back as -1 with the message in `err`. Otherwise returns the
/// number of devices found; only the first `cap` are written to `out`.
int kdnet_pci_scan(const char *dump_path, const char *ids_path,
                   kdnet_pci_device *out, int cap, char *err, size_t err_len);

/// Fills the name fields of `count` devices whose id fields are already set.
int kdnet_pci_name(const char *ids_path, kdnet_pci_device *devs, int count,
                   char *err, size_t err_len);

#endif
