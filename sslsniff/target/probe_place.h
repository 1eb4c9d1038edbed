/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_PROBE_PLACE_H
#define __SSLSNIFF_PROBE_PLACE_H

#include <stdbool.h>
#include <stdint.h>
#include "target/elf_file.h"

/*
 * Where to probe OpenSSL's data calls cheaply. On x86-64 a uprobe whose
 * instruction must be single-stepped costs about four times one the kernel
 * emulates (push, call, jmp, jcc, nop), and the exported SSL_write starts
 * with `sub $n,%rsp`. SSL_write and SSL_write_ex both call one internal
 * function (ssl_write_internal) that starts with a push; one entry and one
 * return probe there serve both. Its arguments: SSL *, buf, size_t num,
 * then the size_t * for the count, in rcx through 3.1 and in r8 from 3.2
 * (a flags argument before it; SSL_write_ex jumps to SSL_write_ex2, which
 * calls it).
 */
struct internal_site {
	uint64_t fn;		/* the internal function's start (file offset) */
	uint64_t off;		/* the instruction to probe (file offset) */
	uint64_t ex_ret;	/* where the _ex wrapper's call returns to */
	bool count_in_r8;	/* the count pointer is the fifth argument */
};

/*
 * Finds the internal function behind the wrappers at file offsets PLAIN
 * (SSL_write: SSL *, const void *, int) and EX (SSL_write_ex: SSL *,
 * const void *, size_t, size_t *), by decoding their machine code (x86-64,
 * capstone) and following what each argument register holds up to the
 * call, through one tail jump (directly or through the PLT to a function
 * of the same file). Certain only when both call the same function
 * directly with the SSL * and buffer unchanged, the _ex wrapper's num and
 * count pointer unchanged, the plain one's num widened and its count
 * pointer into its stack, both pointers in the same register; and when
 * that function starts (after an endbr64) with an instruction the kernel
 * emulates. Returns 0 and fills OUT, or -ENOENT when not certain (probe the
 * exported entries), or another -errno.
 */
int probe_place_internal(struct elf_file *ef, uint64_t plain, uint64_t ex,
			 struct internal_site *out);

/*
 * The return instructions of a function, for return probes without
 * uretprobes: a uprobe on each, where the stack pointer is the entry's
 * again, fires once per call.
 */
#define PROBE_MAX_RETURNS	64

struct probe_returns {
	uint64_t off[PROBE_MAX_RETURNS];	/* file offsets */
	size_t n;
	const char *why;	/* when not certain: why, */
	uint64_t why_at;	/* ... and where */
};

/*
 * Every instruction where a call of the function at file offset FN
 * returns to its caller: its own `ret`s and those of the code it
 * tail-jumps to (x86-64, capstone). Returns 0 and fills OUT, or -ENOENT
 * when that is not certain (OUT->why says why), or another -errno.
 */
int probe_place_returns(struct elf_file *ef, uint64_t fn, struct probe_returns *out);

/* Unloads the decoder once a file's decisions are made (it costs ~4 MB). */
void probe_place_release(void);

#endif
