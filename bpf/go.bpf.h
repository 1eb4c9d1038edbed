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

/*
 * Go's structs, as sslsniff's DWARF encoder names Go's types in BTF
 * (docs/btf-db.md, "Go"): the executable's own DWARF, or btf-db's entry
 * for its Go version. Only the fields read; the same names in Go 1.19 to
 * 1.27. A Go int is 64 bits, a string {str, len}, an interface value
 * {tab, data} (runtime.iface: net.Conn is a typedef of it).
 */
struct go_runtime__iface {
	void *tab;		/* *itab: the interface and the dynamic type */
	void *data;
} __attribute__((preserve_access_index));

struct go_string {
	const char *str;
	__s64 len;
} __attribute__((preserve_access_index));

struct go_crypto_tls__Conn {
	struct go_runtime__iface conn;	/* net.Conn: the transport */
	__u16 vers;			/* the negotiated version, 0x0304 */
	__u16 cipherSuite;		/* IANA's id */
	struct go_string clientProtocol;	/* ALPN's, client and server alike */
} __attribute__((preserve_access_index));

struct go_internal_poll__FD {
	__s64 Sysfd;
} __attribute__((preserve_access_index));

struct go_net__netFD {
	struct go_internal_poll__FD pfd;
} __attribute__((preserve_access_index));

struct go_net__conn {
	struct go_net__netFD *fd;
} __attribute__((preserve_access_index));

struct go_net__TCPConn {
	struct go_net__conn conn;
} __attribute__((preserve_access_index));

/* An itab's dynamic type: runtime.itab up to Go 1.21, internal/abi.ITab after. */
struct go_runtime__itab {
	void *_type;
} __attribute__((preserve_access_index));

struct go_internal_abi__ITab {
	void *Type;
} __attribute__((preserve_access_index));

static __always_inline __u64 go_itab_type(void *tab)
{
	if (bpf_core_type_exists(struct go_internal_abi__ITab))
		return (__u64)BPF_CORE_READ_USER((struct go_internal_abi__ITab *)tab, Type);
	if (bpf_core_type_exists(struct go_runtime__itab))
		return (__u64)BPF_CORE_READ_USER((struct go_runtime__itab *)tab, _type);
	return 0;
}

/* Whether the program was relocated against a Go layout with all of them. */
static __always_inline bool go_layout(void)
{
	return bpf_core_type_exists(struct go_crypto_tls__Conn) &&
	       bpf_core_type_exists(struct go_net__TCPConn) &&
	       bpf_core_type_exists(struct go_net__netFD);
}

/*
 * The socket under Go's tls.Conn C, followed only when its transport's
 * itab is WANT, that of *net.TCPConn as a net.Conn (the probe's cookie), or
 * with BY_TYPE when the itab's type is WANT, *net.TCPConn's descriptor: a
 * wrapper the program made (a net.Conn of its own) keeps -1, and the fd
 * comes from the syscalls. tls.Conn.conn.data → net.TCPConn.conn.fd (the
 * *netFD) → pfd.Sysfd.
 */
static __always_inline __s32 go_read_fd(struct go_crypto_tls__Conn *c, __u64 want, bool by_type)
{
	struct go_net__TCPConn *tcp;
	struct go_net__netFD *nfd;
	__u64 tab = (__u64)BPF_CORE_READ_USER(c, conn.tab);
	__s64 fd;

	if (!want || !tab || (by_type ? go_itab_type((void *)tab) : tab) != want)
		return -1;
	tcp = BPF_CORE_READ_USER(c, conn.data);
	nfd = tcp ? BPF_CORE_READ_USER(tcp, conn.fd) : NULL;
	fd = nfd ? BPF_CORE_READ_USER(nfd, pfd.Sysfd) : -1;
	return fd >= 0 && fd <= 0x7fffffff ? fd : -1;
}

/* The version, suite and ALPN protocol, once the handshake has set them. */
static __always_inline void go_read_meta(struct go_crypto_tls__Conn *c, struct event *h)
{
	__u16 vers = BPF_CORE_READ_USER(c, vers), suite = BPF_CORE_READ_USER(c, cipherSuite);

	if (!vers || !suite)
		return;
	h->tls_version = vers;
	h->cipher_id = suite;
	alpn_read(h->alpn, &h->alpn_len, BPF_CORE_READ_USER(c, clientProtocol.str),
		  BPF_CORE_READ_USER(c, clientProtocol.len));
}

#endif /* __SSLSNIFF_GO_BPF_H */
