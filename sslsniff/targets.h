/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_TARGETS_H
#define __SSLSNIFF_TARGETS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "options.h"

struct sslsniff_bpf;

/*
 * What is traced: the target stage (discovery, the files, the attach)
 * wired to the layouts (the program instances). At start-up the system's
 * libraries pick the first instance's layouts, then every file found is
 * attached with its own; later, each exec is looked at (a new container's
 * libraries from its linker cache at once, the process's mappings on the
 * watcher's schedule).
 */
struct targets;

/* Asked for when a process may need the socket syscalls watched (why: a file). */
typedef void (*want_syscalls_fn)(void *ctx, const char *why, int pid);

/*
 * Examines the system's libraries and loads the first program instance.
 * NULL and errno on failure, reported.
 */
struct targets *targets__open(const struct options *o, want_syscalls_fn fn, void *ctx);
/* Detaches every probe, unloads every instance. */
void targets__free(struct targets *t);

struct sslsniff_bpf *targets__first(const struct targets *t);

/* Attaches to every file the options select. 0, or -errno (reported). */
int targets__attach(struct targets *t);

/* Capture runs: says what is attached, starts loading the other layouts. */
void targets__ready(struct targets *t);

/*
 * PID has just exec'd (at EXEC_NS, CLOCK_MONOTONIC): if it entered a root
 * not seen before, that root's libraries. -v says how long after the exec
 * each was attached. False when PID was gone before its root was known.
 */
bool targets__exec(struct targets *t, pid_t pid, uint64_t exec_ns);

/* Looks at PID's mappings again (0: every process's). */
void targets__rescan(struct targets *t, pid_t pid);

/*
 * -i: PID has a TLS connection whose handshake was not seen (done inside
 * its first read or write): its libraries' reads and writes are probed
 * for it alone from now on, so that the BPF side sends the connection's
 * secrets at its next call. 0 or -errno.
 */
int targets__fallback(struct targets *t, pid_t pid);

#endif
