/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_PROBE_PLACE_H
#define __SSLSNIFF_PROBE_PLACE_H

#include <stdint.h>
#include "elf_file.h"

/*
 * Where to probe OpenSSL's data calls cheaply. On x86-64 a uprobe whose
 * instruction must be single-stepped costs about four times one the kernel
 * emulates (push, call, jmp, jcc, nop), and the exported SSL_write starts
 * with `sub $n,%rsp`. SSL_write and SSL_write_ex both call one internal
 * function (ssl_write_internal: SSL *, buf, size_t num, size_t *done) that
 * starts with a push; one entry and one return probe there serve both.
 */
struct internal_site {
	uint64_t off;		/* the internal function (file offset) */
	uint64_t ex_ret;	/* where the _ex wrapper's call returns to */
};

/*
 * Finds the internal function behind the wrappers at file offsets PLAIN
 * (SSL_write: SSL *, const void *, int) and EX (SSL_write_ex: SSL *,
 * const void *, size_t, size_t *), by decoding their machine code (x86-64,
 * capstone). Certain only when both call the same function directly, with
 * their arguments passed through unchanged (the plain one's num widened,
 * its count pointer on its stack), and that function's first instruction is
 * one the kernel emulates. Returns 0 and fills OUT, or -ENOENT when not
 * certain (probe the exported entries), or another -errno.
 */
int probe_place_internal(struct elf_file *ef, uint64_t plain, uint64_t ex,
			 struct internal_site *out);

/* Unloads the decoder once a file's decisions are made (it costs ~4 MB). */
void probe_place_release(void);

#endif
