// SPDX-License-Identifier: GPL-2.0
/*
 * The copy floor (bench/run.sh): at exactly sslsniff's SSL_read/SSL_write
 * places, the least a per-call capture of every byte can do. The entry
 * keeps the call's buffer in task storage, as sslsniff does; the return
 * copies what the call moved into the ring, in sslsniff's chunk sizes and
 * under its wake-up rule, behind an 8-byte header instead of its 216. No
 * socket, no identity, no call id; the reader drops every record unread.
 * Above the empty probes' floor this row costs the copy, which every
 * per-call tracer pays; above this row, sslsniff's cost is its own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "copy_floor.h"

struct call {
	__u64 buf;
	__u64 count;	/* size_t * of the internal and _ex functions, 0: the return value */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct call);
} calls SEC(".maps");

/* Sized by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} ring SEC(".maps");

const volatile __u64 wake_bytes = 0;
__u32 reader_asleep = 0;
__u64 lost_bytes = 0;	/* to a full ring: rare, so one shared counter */

static __always_inline int call_begin(__u64 buf, __u64 count)
{
	struct call *c = bpf_task_storage_get(&calls, bpf_get_current_task_btf(), NULL,
					      BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (c) {
		c->buf = buf;
		c->count = count;
	}
	return 0;
}

/* ssl_{read,write}_internal(s, buf, num, size_t *count), SSL_{read,write}_ex
 * (BPF_KPROBE: libbpf 1.1 has no BPF_UPROBE; the registers are the same). */
SEC("uprobe")
int BPF_KPROBE(entry_count, void *ssl, void *buf, __u64 num, void *count)
{
	return call_begin((__u64)buf, (__u64)count);
}

/* SSL_read, SSL_write: the count is what they return. */
SEC("uprobe")
int BPF_KPROBE(entry_ret, void *ssl, void *buf)
{
	return call_begin((__u64)buf, 0);
}

/* sslsniff's rule (bpf/sslsniff.bpf.c): a batch, and a sleeping reader only. */
static __always_inline __u64 wake_flag(void)
{
	if (!*(volatile __u32 *)&reader_asleep ||
	    bpf_ringbuf_query(&ring, BPF_RB_AVAIL_DATA) < wake_bytes)
		return BPF_RB_NO_WAKEUP;
	*(volatile __u32 *)&reader_asleep = 0;
	return BPF_RB_FORCE_WAKEUP;
}

struct copy_ctx {
	__u64 buf;
	__u64 len;
};

static __always_inline long copy_class(const struct copy_ctx *c, __u32 off, __u64 n,
				       const __u64 class)
{
	struct copy_rec *r = bpf_ringbuf_reserve(&ring, sizeof(*r) + class, 0);

	if (!r) {
		__sync_fetch_and_add(&lost_bytes, c->len - off);
		return 1;
	}
	barrier_var(n);
	if (n > class)
		n = class;
	r->len = n;
	r->off = off;
	bpf_probe_read_user(r->data, n, (void *)(c->buf + off));
	bpf_ringbuf_submit(r, wake_flag());
	return 0;
}

/* sslsniff's size classes, so that the reservations are its own. */
static long copy_chunk(__u32 i, void *arg)
{
	const struct copy_ctx *c = arg;
	__u32 off = i * COPY_CHUNK_MAX;
	__u64 n;

	if (off >= c->len)
		return 1;
	n = c->len - off;
	if (n > COPY_CHUNK_MAX)
		n = COPY_CHUNK_MAX;
	if (n <= 128)
		return copy_class(c, off, n, 128);
	if (n <= 256)
		return copy_class(c, off, n, 256);
	if (n <= 512)
		return copy_class(c, off, n, 512);
	if (n <= 1024)
		return copy_class(c, off, n, 1024);
	if (n <= 2048)
		return copy_class(c, off, n, 2048);
	if (n <= 4096)
		return copy_class(c, off, n, 4096);
	if (n <= 8192)
		return copy_class(c, off, n, 8192);
	if (n <= 16384)
		return copy_class(c, off, n, 16384);
	return copy_class(c, off, n, COPY_CHUNK_MAX);
}

SEC("uretprobe")
int BPF_KRETPROBE(call_return, long ret)
{
	struct call *s = bpf_task_storage_get(&calls, bpf_get_current_task_btf(), NULL, 0);
	struct copy_ctx c;
	__u64 n = 0;

	if (!s || !s->buf || ret <= 0)
		goto out;
	if (s->count && bpf_probe_read_user(&n, sizeof(n), (void *)s->count))
		goto out;
	c.buf = s->buf;
	c.len = s->count ? n : (__u64)ret;
	if (c.len <= COPY_CHUNK_MAX)
		copy_chunk(0, &c);
	else
		bpf_loop((c.len + COPY_CHUNK_MAX - 1) / COPY_CHUNK_MAX, copy_chunk, &c, 0);
out:
	if (s)
		s->buf = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
