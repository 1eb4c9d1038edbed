/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_DISCOVER_H
#define __SSLSNIFF_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * A candidate file: one a linker cache lists, or one a process maps
 * executable. Nothing is opened or stat()ed while walking: discover_open()
 * opens the one the caller wants, pinned.
 */
struct discover_file {
	const char *path;	/* as its root names it; a container's linker cache's
				 * entries with "/proc/PID/root" in front */
	int pid;		/* the process that maps it; -1 for a linker cache */
	bool named_tls;		/* the base name is libssl.so*, libgnutls.so* or libnspr4.so */
	/* A mapping only (pid > 0): what /proc/PID/maps says of it. */
	unsigned long start, end;
	unsigned int major, minor;
	unsigned long ino;
	bool deleted;		/* replaced or removed: only the mapping reaches it */
};

/* A non-zero return stops the walk and is returned. */
typedef int (*discover_fn)(const struct discover_file *f, void *ctx);

bool discover_is_tls_name(const char *path);

/*
 * The TLS libraries a linker cache lists. CACHE_PATH under /proc/PID/root
 * is a container's: its entries are resolved in that root too.
 */
int discover_ldcache(const char *cache_path, discover_fn fn, void *ctx);

/* The executable-mapped files of PID. -ESRCH when there is no such process. */
int discover_process(int pid, discover_fn fn, void *ctx);

/* The same for F, read as /proc/PID/maps (discover_process() opens it; the
 * fuzzer, tests/fuzz/maps.c, passes any text). */
int discover_maps(FILE *f, int pid, discover_fn fn, void *ctx);

/* discover_process() for every process. */
int discover_all_processes(discover_fn fn, void *ctx);

/*
 * PID's root, when it is another than ours and not one of SEEN (which it
 * joins): its linker cache's TLS libraries (a new container's, before its
 * first process has mapped them). 0 when done, or when the root is ours or
 * known; -ESRCH when PID is gone (its root unknown), or FN's error.
 */
struct hashset;
int discover_new_root(struct hashset *seen, int pid, discover_fn fn, void *ctx);

/*
 * Opens the file F names, pinned: for a mapping, exactly the file the
 * process maps (its inode checked on the open file), reached through the
 * path in the host, through the process's root (never out of it), or
 * through the mapping itself (also a deleted file); for a linker cache's
 * entry, its path resolved in its root. NAME gets the path that reached
 * it, for messages. Returns the fd, or -errno.
 */
int discover_open(const struct discover_file *f, char *name, size_t size);

#endif
