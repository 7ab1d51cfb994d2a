// libpci reports fatal errors through a variadic callback whose default calls exit(1).
// Swift can neither write a variadic C function nor survive that exit, so every libpci
// call that may fail runs here under setjmp, and the handler longjmps back with the text.
#include "kdnet_shims.h"
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local jmp_buf trap_jump;
static _Thread_local char trap_message[512];

__attribute__((noreturn)) static void trap_error(char *msg, ...) {
    va_list ap;
    va_start(ap, msg);
    vsnprintf(trap_message, sizeof trap_message, msg, ap);
    va_end(ap);
    longjmp(trap_jump, 1);
}

// Warnings (e.g. an unreadable pci.ids) must not reach the terminal from inside the library.
static void quiet(char *msg, ...) { (void)msg; }

static struct pci_access *open_access(const char *ids_path) {
    struct pci_access *a = pci_alloc();
    if (!a) return NULL;
    a->error = trap_error;
    a->warning = quiet;
    a->debug = quiet;
    pci_set_param(a, (char *)"hwdb.disable", (char *)"1");
    if (ids_path) pci_set_name_list_path(a, strdup(ids_path), 1);
    return a;
}

static void copy_name(struct pci_access *a, char *dst, size_t len, int flags, int arg1, int arg2, int arg3, int arg4) {
    char buf[256];
    const char *name = pci_lookup_name(a, buf, sizeof buf, flags | PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB,
                                       arg1, arg2, arg3, arg4);
    snprintf(dst, len, "%s", name ? name : "");
}

static void name_one(struct pci_access *a, kdnet_pci_device *d) {
    copy_name(a, d->vendor_name, sizeof d->vendor_name, PCI_LOOKUP_VENDOR, d->vendor_id, 0, 0, 0);
    copy_name(a, d->device_name, sizeof d->device_name, PCI_LOOKUP_DEVICE, d->vendor_id, d->device_id, 0, 0);
    copy_name(a, d->class_name, sizeof d->class_name, PCI_LOOKUP_CLASS, d->device_class, 0, 0, 0);
    d->subsys_name[0] = 0;
    if (d->subsys_vendor_id != 0xffff && d->subsys_vendor_id != 0)
        copy_name(a, d->subsys_name, sizeof d->subsys_name, PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_DEVICE,
                  d->vendor_id, d->device_id, d->subsys_vendor_id, d->subsys_id);
}

static void fail(char *err, size_t err_len, const char *text) {
    if (err && err_len) snprintf(err, err_len, "%s", text);
}

int kdnet_pci_scan(const char *dump_path, const char *ids_path,
                   kdnet_pci_device *out, int cap, char *err, size_t err_len) {
    struct pci_access *volatile a = open_access(ids_path);
    if (!a) { fail(err, err_len, "libpci: out of memory"); return -1; }
    volatile int count = 0;
    if (setjmp(trap_jump)) {
        fail(err, err_len, trap_message);
        // The access may be half built; cleaning it up could trip another error, so
        // give that one the same landing place and leak rather than exit.
        if (!setjmp(trap_jump)) pci_cleanup(a);
        return -1;
    }
    if (dump_path) {
        a->method = PCI_ACCESS_DUMP;
        pci_set_param(a, (char *)"dump.name", (char *)dump_path);
    }
    pci_init(a);
    pci_scan_bus(a);
    for (struct pci_dev *p = a->devices; p; p = p->next) {
        pci_fill_info(p, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT | PCI_FILL_SUBSYS);
        if (count < cap) {
            kdnet_pci_device *d = &out[count];
            memset(d, 0, sizeof *d);
            d->domain = p->domain;
            d->bus = p->bus;
            d->dev = p->dev;
            d->func = p->func;
            d->vendor_id = p->vendor_id;
            d->device_id = p->device_id;
            d->device_class = p->device_class;
            d->prog_if = (uint8_t)p->prog_if;
            d->subsys_vendor_id = p->subsys_vendor_id;
            d->subsys_id = p->subsys_id;
            // In 64-byte steps: a read past what the dump (or an unprivileged sysfs) holds fails.
            for (int off = 0; off < (int)sizeof d->config; off += 64) {
                if (!pci_read_block(p, off, d->config + off, 64)) break;
                d->config_len = off + 64;
            }
            name_one(a, d);
        }
        count++;
    }
    pci_cleanup(a);
    return count;
}

int kdnet_pci_name(const char *ids_path, kdnet_pci_device *devs, int count, char *err, size_t err_len) {
    struct pci_access *volatile a = open_access(ids_path);
    if (!a) { fail(err, err_len, "libpci: out of memory"); return -1; }
    if (setjmp(trap_jump)) {
        fail(err, err_len, trap_message);
        if (!setjmp(trap_jump)) pci_cleanup(a);
        return -1;
    }
    for (int i = 0; i < count; i++) name_one(a, &devs[i]);
    pci_cleanup(a);
    return 0;
}
