/* SPDX-License-Identifier: GPL-2.0 */
/* The copy floor's record (bench/copy_floor.bpf.c, read by copy_floor.c). */
#ifndef __SSLSNIFF_COPY_FLOOR_H
#define __SSLSNIFF_COPY_FLOOR_H

/* sslsniff's chunk bound (bpf/sslsniff.h), so that the ring sees the same records. */
#define COPY_CHUNK_MAX	(1U << 15)

struct copy_rec {
	__u32 len;	/* bytes in data[] */
	__u32 off;	/* of the chunk in its call */
	__u8 data[];
};

#endif
