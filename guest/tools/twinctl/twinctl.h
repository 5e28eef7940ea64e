/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TWINCTL_H
#define TWINCTL_H

#include <stdbool.h>
#include <stddef.h>

/* One line on stderr, "twinctl: ...": returns -1. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
unsigned char *read_whole(const char *path, size_t *len);
int write_whole(const char *path, const void *buf, size_t len);
int read_ulong_file(const char *path, unsigned long *v);

/* resolve.c: the payload's driver-VM symbols, resolved in dom0 */
/* a vmlinux symbol's address from /proc/kallsyms */
bool kallsyms_address(const char *name, unsigned long *addr);
/* @driver: the module the payload was derived from, loaded from @ko_path */
int resolve_payload(const char *in, const char *out, const char *driver, const char *ko_path,
		    int verbose);
/* 0 unless path is an unsafe test build (hv/xen/twin_desc.h) and !force */
int check_payload_safe(const char *path, bool force);

#endif
