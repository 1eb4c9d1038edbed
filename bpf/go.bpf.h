/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Go's crypto/tls, compiled into each executable: (*Conn).Write and
 * (*Conn).Read, by Go's register ABI on amd64 (Go 1.17+):
 *
 *	func (c *Conn) Write(b []byte) (int, error)
 *	entry: c in rax, b's pointer, length, capacity in rbx, rcx, rdi;
 *	return: n in rax, the error in rbx:rcx; the goroutine (g) in r14.
 *
 * Probed at the entry and at each return instruction (never a uretprobe:
 * Go moves goroutine stacks and unwinds them through return addresses).
 * A call's state is the goroutine's, not the thread's: between entry and
 * return the goroutine may park (a socket not ready) and resume on another
 * thread, while other goroutines run on this one. Its stack may be copied
 * elsewhere to grow, so the frame is recognised by its distance from the
 * stack's top (g.stack.hi: struct g begins with its stack bounds {lo, hi}
 * in every Go version), which the copy keeps.
 */
#ifndef __SSLSNIFF_GO_BPF_H
#define __SSLSNIFF_GO_BPF_H

enum go_slot {
	GO_SLOT_READ,
	GO_SLOT_WRITE,
	GO_SLOT__MAX,
};

struct go_key {
	__u64 g;		/* the goroutine's runtime.g */
	__u32 tgid;
	__u32 pad;
};

struct go_calls {
	struct call_state slot[GO_SLOT__MAX];	/* sp: g.stack.hi - sp at entry */
};

/*
 * LRU: a goroutine's entry stays while it lives (a call costs a lookup, not
 * an insert and a delete); Go reuses a dead goroutine's g for a new one,
 * and nothing tells BPF a goroutine ended, so the oldest entries make room.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct go_key);
	__type(value, struct go_calls);
} go_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct go_calls);
} go_calls_zero SEC(".maps");

static __always_inline bool func_is_go(__u32 func)
{
	return func == FUNC_GO_TLS_READ || func == FUNC_GO_TLS_WRITE;
}

#if defined(__TARGET_ARCH_x86)
#define GO_G(ctx)	((ctx)->r14)
#define GO_ARG0(ctx)	((ctx)->ax)
#define GO_ARG1(ctx)	((ctx)->bx)
#define GO_RESULT(ctx)	((ctx)->ax)
#define GO_SP(ctx)	((ctx)->sp)
#else
/* Go functions are not attached elsewhere (target_file.c). */
#define GO_G(ctx)	0
#define GO_ARG0(ctx)	0
#define GO_ARG1(ctx)	0
#define GO_RESULT(ctx)	0
#define GO_SP(ctx)	0
#endif

/* The goroutine G's distance of SP from its stack's top, or 0 when unreadable. */
static __always_inline __u64 go_frame(__u64 g, __u64 sp)
{
	__u64 hi = 0;

	if (!g || bpf_probe_read_user(&hi, sizeof(hi), (void *)(g + 8)) || hi < sp)
		return 0;
	return hi - sp;
}

/* The goroutine G's slot for FUNC; CREATE: make its entry if it has none. */
static __always_inline struct call_state *go_slot_get(__u64 g, __u32 func, bool create)
{
	struct go_key key = { .g = g, .tgid = bpf_get_current_pid_tgid() >> 32 };
	struct go_calls *c = bpf_map_lookup_elem(&go_calls, &key);
	__u32 zero = 0, slot = func == FUNC_GO_TLS_READ ? GO_SLOT_READ : GO_SLOT_WRITE;
	void *fresh;

	if (!c && create) {
		fresh = bpf_map_lookup_elem(&go_calls_zero, &zero);
		if (!fresh || bpf_map_update_elem(&go_calls, &key, fresh, BPF_NOEXIST))
			return NULL;
		c = bpf_map_lookup_elem(&go_calls, &key);
	}
	if (!c || slot >= GO_SLOT__MAX)
		return NULL;
	return &c->slot[slot];
}

/* The goroutine's calls in flight, for the syscall hook (G: r14 at the syscall). */
static __always_inline struct go_calls *go_calls_of(__u64 g, __u32 tgid)
{
	struct go_key key = { .g = g, .tgid = tgid };

	return g ? bpf_map_lookup_elem(&go_calls, &key) : NULL;
}

#endif /* __SSLSNIFF_GO_BPF_H */
