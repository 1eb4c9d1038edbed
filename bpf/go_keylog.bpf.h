/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Go's key log, at the entry of crypto/tls's
 *
 *	func (c *Config) writeKeyLog(label string, clientRandom, secret []byte) error
 *
 * which the handshake calls for every secret it derives (TLS 1.3: the
 * client's and the server's handshake and traffic secrets; TLS 1.2: the
 * master secret), KeyLogWriter set or not: the function itself returns at
 * once when it is nil (Go 1.19 to 1.27). Its arguments are the line
 * KeyLogWriter would get, "label hex(clientRandom) hex(secret)", so the
 * line is Go's own, with no struct read. By the register ABI on amd64:
 * c in rax, label in rbx (pointer) and rcx (length), clientRandom in rdi,
 * rsi, r8 (capacity), secret in r9, r10, r11. Entry only: no return probe.
 *
 * The entry may run twice for one call when the prologue grows the stack
 * (morestack) and jumps back to the start, with the same arguments: the
 * same line twice, which the key log writes once (out_keylog.c).
 */
#ifndef __SSLSNIFF_GO_KEYLOG_BPF_H
#define __SSLSNIFF_GO_KEYLOG_BPF_H

#if defined(__TARGET_ARCH_x86)
#define GO_KL_LABEL(ctx)	((ctx)->bx)
#define GO_KL_LABEL_LEN(ctx)	((ctx)->cx)
#define GO_KL_RANDOM(ctx)	((ctx)->di)
#define GO_KL_RANDOM_LEN(ctx)	((ctx)->si)
#define GO_KL_SECRET(ctx)	((ctx)->r9)
#define GO_KL_SECRET_LEN(ctx)	((ctx)->r10)
#else
/* Go functions are not attached elsewhere (target_file.c). */
#define GO_KL_LABEL(ctx)	0
#define GO_KL_LABEL_LEN(ctx)	0
#define GO_KL_RANDOM(ctx)	0
#define GO_KL_RANDOM_LEN(ctx)	0
#define GO_KL_SECRET(ctx)	0
#define GO_KL_SECRET_LEN(ctx)	0
#endif

/* A Go length in a __u32, a longer one as the largest (refused all the same). */
static __always_inline __u32 go_kl_len(__u64 len)
{
	return len > 0xffffffffULL ? 0xffffffffU : len;
}

/* LEN bytes at SRC into DST of CAP bytes when they fit; -1 when they do not read. */
static __always_inline int go_kl_read(void *dst, const __u32 cap, __u64 src, __u64 len)
{
	if (len > cap)
		return 0;	/* user space sees the length and refuses it */
	return bpf_probe_read_user(dst, len, (void *)src) ? -1 : 0;
}

/* writeKeyLog's arguments, each read from the context once. */
struct go_kl_args {
	__u64 label, label_len, random, random_len, secret, secret_len;
};

static __always_inline void go_kl_args(struct pt_regs *ctx, struct go_kl_args *a)
{
	a->label = GO_KL_LABEL(ctx);
	a->label_len = GO_KL_LABEL_LEN(ctx);
	a->random = GO_KL_RANDOM(ctx);
	a->random_len = GO_KL_RANDOM_LEN(ctx);
	a->secret = GO_KL_SECRET(ctx);
	a->secret_len = GO_KL_SECRET_LEN(ctx);
	/* Kept as loaded: clang would otherwise reload them through a
	 * pointer into the context that it moved, which the verifier refuses. */
	barrier_var(a->label_len);
	barrier_var(a->random_len);
	barrier_var(a->secret_len);
}

static __always_inline int go_keylog(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct go_kl_args a;
	struct keylog_line *l;
	struct event *ev;
	int err;

	if (!targ_keylog || !task_wanted())
		return 0;
	go_kl_args(ctx, &a);
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev) + sizeof(*l), 0);
	if (!ev) {
		stat_add(STAT_LOST_EVENTS_OTHER, 1);
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev) + sizeof(*l));
	/* The connection is not known here (the *Conn is the caller's):
	 * no handle, no fd, no addresses. */
	ev->call_id = next_call_id();
	ev->ts_ns = bpf_ktime_get_ns();
	ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->uid = (__u32)bpf_get_current_uid_gid();
	ev->kind = EV_KEYLOG_LINE;
	ev->func = FUNC_GO_WRITE_KEY_LOG;
	ev->fd = -1;
	ev->chunk_len = sizeof(*l);
	ev->flags = CHUNK_LAST;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	fill_cgroup(ev);

	l = (struct keylog_line *)ev->data;
	l->label_len = go_kl_len(a.label_len);
	l->random_len = go_kl_len(a.random_len);
	l->secret_len = go_kl_len(a.secret_len);
	err = go_kl_read(l->label, sizeof(l->label), a.label, a.label_len);
	err |= go_kl_read(l->client_random, sizeof(l->client_random), a.random, a.random_len);
	err |= go_kl_read(l->secret, sizeof(l->secret), a.secret, a.secret_len);
	if (err)
		l->flags |= KEYLOG_FAULT;
	/* Woken as for data, once per batch: a wake-up per line made each
	 * handshake wait on the reader (TLS 1.3's four lines a side). */
	bpf_ringbuf_submit(ev, ring_wake_flag());
	return 0;
}

#endif /* __SSLSNIFF_GO_KEYLOG_BPF_H */
