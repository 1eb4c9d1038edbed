/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_RING_H
#define __SSLSNIFF_RING_H

#include <stddef.h>

/*
 * Reads BPF ring buffers (BPF_MAP_TYPE_RINGBUF) as libbpf's ring_buffer
 * does, with one difference: the data area is mapped once. libbpf maps it
 * twice, back to back, so that every record is contiguous; the pages then
 * count twice in the resident size, and an 8 MiB ring shows as 16 MiB.
 * Here the few records that wrap around the end are copied whole first.
 */
struct ring_reader;

/* One record; a negative return stops the reading (and is returned). */
typedef int (*ring_sample_fn)(void *ctx, void *data, size_t size);

struct ring_reader *ring_reader__new(void);
void ring_reader__free(struct ring_reader *rr);

/* Adds the ring buffer map MAP_FD; 0 or -errno. */
int ring_reader__add(struct ring_reader *rr, int map_fd, ring_sample_fn fn, void *ctx);

/* FD (another source's: a packet socket) also ends ring_reader__poll()'s
 * wait when it is readable; its reading is its owner's. 0 or -errno. */
int ring_reader__add_wake_fd(struct ring_reader *rr, int fd);

/*
 * Waits up to TIMEOUT_MS for a ring to be woken up, then reads the ones
 * that were. Returns how many records were read, or -errno (-EINTR when a
 * signal came first).
 */
int ring_reader__poll(struct ring_reader *rr, int timeout_ms);

/* Reads every record waiting in every ring, woken or not; count or -errno. */
int ring_reader__consume(struct ring_reader *rr);

#endif
