/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_ATTACH_H
#define __SSLSNIFF_ATTACH_H

#include <stddef.h>
#include "target/target_file.h"

/*
 * The uprobes: each hooked function gets an entry and a return probe, the
 * attach cookie telling the shared BPF programs which function fired.
 * Attached through the file's pinned fd (/proc/self/fd/N), so that the
 * probes go into the inode that was analysed, whatever its path names now.
 */
struct attacher;

struct attacher *attacher__new(void);
/* Detaches every probe. */
void attacher__free(struct attacher *a);

/* Which of a file's probes. */
enum attach_set {
	ATTACH_ALL,		/* per-call capture */
	ATTACH_KEYS,		/* -i: where the keys become final (the handshakes, Go's key log) */
	ATTACH_CALLS,		/* -i's fallback for one process: the reads and writes */
};

/*
 * Attaches SET of TF's probes for process PID (-1: every process) with
 * TF->progs, unless that was done before. Returns the number of probes
 * attached (0: done before), or -errno (reported).
 */
int attacher__attach(struct attacher *a, struct target_file *tf, int pid, enum attach_set set);

size_t attacher__nr_probes(const struct attacher *a);

#endif
