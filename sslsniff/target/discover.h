/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_DISCOVER_H
#define __SSLSNIFF_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Called for each candidate file. PATH opens the file from this mount
 * namespace: a file of another root (a container) is reached through
 * /proc/PID/root. PID is the process that maps it, -1 for the linker cache.
 * NAMED_TLS: the base name is a TLS library's (libssl.so, libgnutls.so,
 * libnspr4.so). A non-zero return stops the walk and is returned.
 */
typedef int (*discover_fn)(const char *path, int pid, bool named_tls, void *ctx);

bool discover_is_tls_name(const char *path);

/* TLS libraries listed in the linker cache (/etc/ld.so.cache). */
int discover_ldcache(const char *cache_path, discover_fn fn, void *ctx);

/* The executable-mapped files of PID. -ESRCH when there is no such process. */
int discover_process(int pid, discover_fn fn, void *ctx);

/* discover_process() for every process. */
int discover_all_processes(discover_fn fn, void *ctx);

/*
 * The path of the file (dev, ino) that PID maps, as discover_process()
 * would give it. Returns 0, or -ENOENT when PID does not map it (yet).
 */
int discover_mapped_path(int pid, dev_t dev, ino_t ino, char *path, size_t size);

#endif
