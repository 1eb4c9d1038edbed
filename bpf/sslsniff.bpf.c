// SPDX-License-Identifier: GPL-2.0
/*
 * sslsniff: capture the plaintext passing through TLS library calls.
 *
 * One entry and one return program serve every hooked function; the attach
 * cookie says which function a probe sits on (enum tls_func). The return
 * program copies the bytes the call returned straight from the caller's
 * buffer into ring-buffer records, in chunks, so no call is capped.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "sslsniff.h"
#include "alpn.bpf.h"
#include "cgroup.bpf.h"
#include "gnutls.bpf.h"
#include "nspr.bpf.h"
#include "openssl.bpf.h"
#include "sock.bpf.h"

#if !defined(__TARGET_ARCH_x86) && !defined(__TARGET_ARCH_arm64)
#error "sslsniff's BPF program knows the syscall numbers and registers of x86-64 and arm64 only"
#endif

const volatile __u32 targ_uid = (__u32)-1;
const volatile bool targ_comm_set = false;
const volatile char targ_comm[SSLSNIFF_COMM_LEN] = {};
const volatile __u32 targ_max_bytes = 0;	/* 0: no limit */
const volatile bool targ_watch_pids = false;	/* exec events only for watched_pids */
const volatile bool targ_keylog = false;	/* send each connection's secrets */
/* -i: the secrets at each handshake's return, where they become final; the
 * plaintext then comes from the packets (no per-call probes are attached). */
const volatile bool targ_wire = false;
const volatile __u64 targ_wake_bytes = 0;	/* wake the reader once this much waits */
const volatile bool targ_hold = false;		/* hold a new root's first processes */

/* Set by user space while it releases what is held (its exec thread runs). */
__u32 hold_new_roots = 0;

/* Sized by user space before load (--ring-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 << 10);
} exec_events SEC(".maps");

/* A call between its entry and its return, per thread. */
struct call_state {
	__u64 ts;
	__u64 sp;		/* stack pointer at entry */
	__u64 handle;
	__u64 buf;
	__u64 out_len;		/* size_t * of the _ex functions */
	__u32 func;
	__u32 depth;		/* hooked calls nested inside this one, plus one */
	__s32 fd;		/* socket the thread used inside the call, or -1 */
	__u64 go_itab;		/* Go: *net.TCPConn's net.Conn itab, 0 unknown */
	bool go_by_type;	/* ... its type descriptor (COOKIE_GO_TYPE) */
	bool layout_ok;		/* the library's structs may be read (cookie) */
	bool internal;		/* on the internal function (COOKIE_INTERNAL) */
};

/*
 * A thread's calls in flight, one slot per direction: a write made from a
 * callback inside a read (node finishes the handshake inside SSL_read and
 * writes from its callback) is a call of its own, while a hooked function
 * that another one of the same direction calls is part of it.
 */
enum call_slot {
	SLOT_READ,
	SLOT_WRITE,
	SLOT_OTHER,
	SLOT__MAX,
};

/*
 * In the thread's own task storage, made at its first hooked call and freed
 * with the task: a slot is free when its depth is 0. A call then costs a
 * pointer walk from the task (no hash of pid_tgid, no bucket lock, no
 * delete at exit), and the syscall hook finds all three slots at once.
 */
struct thread_calls {
	struct call_state slot[SLOT__MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct thread_calls);
} calls SEC(".maps");

/* Go's calls are kept per goroutine instead (struct call_state above). */
#include "go.bpf.h"

/*
 * The socket last seen under each TLS handle: a read served from the
 * library's buffer makes no syscall, yet belongs to the same connection.
 */
struct handle_key {
	__u64 handle;
	__u32 tgid;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct handle_key);
	__type(value, __s32);
} handle_fds SEC(".maps");

/* The client random whose secrets were sent last, per TLS handle. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct handle_key);
	__type(value, __u64);
} secrets_sent SEC(".maps");

/* What a record says of its connection, per handle, for the socket it was read for. */
struct conn_cache {
	__u64 sock;		/* struct socket * */
	__u16 family;
	__u16 sport;
	__u16 dport;
	__u16 tls_version;
	__u16 cipher_id;
	__u8 saddr[16];
	__u8 daddr[16];
	char cipher[SSLSNIFF_CIPHER_LEN];
	char alpn[SSLSNIFF_ALPN_LEN];
	__u8 alpn_len;
	bool has_meta;		/* version, cipher and ALPN are the library's */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct handle_key);
	__type(value, struct conn_cache);
} conn_cache SEC(".maps");

/* Room to build a conn_cache value: too big for the stack beside the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct conn_cache);
} conn_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} watched_pids SEC(".maps");

/* The root directories seen, and whether user space has handled them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct root_key);
	__type(value, __u8);		/* enum root_state */
} known_roots SEC(".maps");

/*
 * Calls numbered per CPU, the CPU in the low bits: unique without a shared
 * counter whose cache line both ends of a connection would pull back and
 * forth on every call.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} call_seq SEC(".maps");

#define CALL_ID_CPU_BITS	16

static __always_inline void stat_add(__u32 id, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &id);

	if (v)
		*v += n;
}

static __always_inline bool comm_matches(const char *comm)
{
	for (int i = 0; i < SSLSNIFF_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

static __always_inline bool task_wanted(void)
{
	if (targ_uid != (__u32)-1 && (__u32)bpf_get_current_uid_gid() != targ_uid)
		return false;
	if (targ_comm_set) {
		char comm[SSLSNIFF_COMM_LEN];

		bpf_get_current_comm(comm, sizeof(comm));
		if (!comm_matches(comm))
			return false;
	}
	return cgroup_wanted();
}

static __always_inline bool func_is_ex(__u32 func)
{
	return func == FUNC_SSL_READ_EX || func == FUNC_SSL_WRITE_EX;
}

static __always_inline bool func_is_openssl(__u32 func)
{
	return func >= FUNC_SSL_READ && func <= FUNC_SSL_DO_HANDSHAKE;
}

static __always_inline bool func_is_gnutls(__u32 func)
{
	return func == FUNC_GNUTLS_RECORD_RECV || func == FUNC_GNUTLS_RECORD_SEND ||
	       func == FUNC_GNUTLS_HANDSHAKE;
}

static __always_inline bool func_is_handshake(__u32 func)
{
	return func == FUNC_SSL_DO_HANDSHAKE || func == FUNC_GNUTLS_HANDSHAKE;
}

static __always_inline bool func_is_nspr(__u32 func)
{
	return func >= FUNC_PR_READ && func <= FUNC_PR_SEND;
}

/* The return value in the width the function declares. */
static __always_inline __s64 call_result(struct pt_regs *ctx, __u32 func)
{
	if (func_is_gnutls(func))
		return (__s64)PT_REGS_RC(ctx);	/* ssize_t */
	return (__s32)PT_REGS_RC(ctx);		/* int, PRInt32 */
}

static __always_inline __u32 call_slot(__u32 func)
{
	if (func == FUNC_SSL_READ || func == FUNC_SSL_READ_EX || func == FUNC_GNUTLS_RECORD_RECV ||
	    func == FUNC_PR_READ || func == FUNC_PR_RECV)
		return SLOT_READ;
	if (func == FUNC_SSL_WRITE || func == FUNC_SSL_WRITE_EX ||
	    func == FUNC_GNUTLS_RECORD_SEND || func == FUNC_PR_WRITE || func == FUNC_PR_SEND)
		return SLOT_WRITE;
	return SLOT_OTHER;
}

/* The calling thread's slot for FUNC; CREATE: make the thread's entry if it has none. */
static __always_inline struct call_state *call_slot_get(__u32 func, bool create)
{
	struct thread_calls *t;
	__u32 slot = call_slot(func);

	t = bpf_task_storage_get(&calls, bpf_get_current_task_btf(), NULL,
				 create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	if (!t || slot >= SLOT__MAX)
		return NULL;
	return &t->slot[slot];
}

/* Which wrapper called the internal function: by its return address. */
static __always_inline __u32 internal_caller(struct pt_regs *ctx, __u64 cookie, __u32 func)
{
	__s32 ex_delta = cookie >> COOKIE_EX_DELTA_SHIFT;
	__u64 ra = 0;

	if (bpf_probe_read_user(&ra, sizeof(ra), (void *)PT_REGS_SP(ctx)))
		return func;
	if ((__s64)(ra - PT_REGS_IP(ctx)) != ex_delta)
		return func;
	return func == FUNC_SSL_READ ? FUNC_SSL_READ_EX : FUNC_SSL_WRITE_EX;
}

/* Go's (*Conn).Read or Write begins: the goroutine's state, by Go's register ABI. */
static __always_inline int go_entry(struct pt_regs *ctx, __u64 cookie, __u32 func)
{
	__s32 itab = cookie >> COOKIE_GO_ITAB_SHIFT;
	__u64 g = GO_G(ctx), frame = go_frame(g, GO_SP(ctx));
	struct call_state *st;

	if (!frame || !task_wanted())
		return 0;
	/* Entered again at the same frame: the prologue grew the stack
	 * (morestack) and jumped back to the start; the state is the same. */
	st = go_slot_get(g, func, true);
	if (!st) {
		stat_add(STAT_LOST_CALLS_STATE, 1);
		return 0;
	}
	st->ts = bpf_ktime_get_ns();
	st->sp = frame;
	st->handle = GO_ARG0(ctx);	/* *tls.Conn */
	st->buf = GO_ARG1(ctx);		/* b's data pointer */
	st->out_len = 0;
	st->internal = false;
	st->func = func;
	st->depth = 1;
	st->fd = -1;
	st->go_itab = itab ? PT_REGS_IP(ctx) + itab : 0;
	st->go_by_type = cookie & COOKIE_GO_TYPE;
	st->layout_ok = cookie & COOKIE_LAYOUT_OK;
	return 0;
}

/* Go's (*Config).writeKeyLog: one key log line (go_keylog.bpf.h, included below). */
static __always_inline int go_keylog(struct pt_regs *ctx);

SEC("uprobe")
int BPF_KPROBE(uprobe_entry, void *handle, void *buf, __u64 num, void *out_len)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	__u32 func = cookie & COOKIE_FUNC_MASK;
	bool internal = cookie & COOKIE_INTERNAL;
	struct call_state *st;

	if (func == FUNC_GO_WRITE_KEY_LOG)
		return go_keylog(ctx);
	if (func_is_go(func))
		return go_entry(ctx, cookie, func);
	st = call_slot_get(func, false);
	if (st && st->depth && PT_REGS_SP(ctx) < st->sp) {
		/* A hooked function called by another one: only the outer
		 * call reports, so nothing is captured twice. */
		st->depth++;
		return 0;
	}
	/* Otherwise a call left behind (its return never ran, e.g. the
	 * thread was killed inside the call) is replaced. */
	if (!task_wanted())
		return 0;
	if (func_is_nspr(func) && !nspr_fd_is_layered(handle))
		return 0;
	if (!st)
		st = call_slot_get(func, true);
	if (!st) {
		stat_add(STAT_LOST_CALLS_STATE, 1);
		return 0;
	}

	st->ts = bpf_ktime_get_ns();
	st->sp = PT_REGS_SP(ctx);
	st->handle = (__u64)handle;
	st->buf = (__u64)buf;
	if (internal)
		func = internal_caller(ctx, cookie, func);
	if (cookie & COOKIE_COUNT_ARG5)
		out_len = (void *)PT_REGS_PARM5(ctx);
	st->out_len = func_is_ex(func) || internal ? (__u64)out_len : 0;
	st->internal = internal;
	st->func = func;
	st->depth = 1;
	st->fd = -1;
	st->go_itab = 0;
	st->layout_ok = cookie & COOKIE_LAYOUT_OK;
	return 0;
}

/* A call's socket was in neither its library's structs nor a syscall seen
 * inside it: user space then attaches raw_tp/sys_enter, if not yet. */
__u32 syscalls_wanted = 0;

/* Set by user space just before it sleeps on the ring; cleared by whoever wakes it. */
__u32 reader_asleep = 0;

/*
 * Wake the reader once per batch, and only when it sleeps: a wake-up is an
 * inter-processor interrupt the traced program pays for, and one per record
 * while the reader is still busy with the last batch is pure cost. Below the
 * batch size, the reader's poll timeout collects what waits.
 */
static __always_inline __u64 ring_wake_flag(void)
{
	if (!*(volatile __u32 *)&reader_asleep ||
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) < targ_wake_bytes)
		return BPF_RB_NO_WAKEUP;
	*(volatile __u32 *)&reader_asleep = 0;
	return BPF_RB_FORCE_WAKEUP;
}

struct emit_ctx {
	__u64 buf;
	__u32 off;		/* where capture stopped, once failed */
	bool failed;
	struct event hdr;	/* copied to each chunk; last: it ends in data[] */
};

/* Copies one chunk into a record of CLASS data bytes, CLASS a constant. */
static __always_inline long emit_chunk_class(struct emit_ctx *e, __u32 off, __u64 n,
					     const __u64 class)
{
	struct event *ev;

	ev = bpf_ringbuf_reserve(&events, sizeof(*ev) + class, 0);
	if (!ev)
		return -1;
	__builtin_memcpy(ev, &e->hdr, sizeof(*ev));
	/* clang knows n <= class already; the verifier must see it too. */
	barrier_var(n);
	if (n > class)
		n = class;
	ev->offset = off;
	ev->chunk_len = n;
	if (bpf_probe_read_user(ev->data, n, (void *)(e->buf + off))) {
		ev->chunk_len = 0;
		ev->lost = n;
		stat_add(STAT_LOST_BYTES_FAULT, n);
	}
	if (off + n >= e->hdr.cap_len)
		ev->flags |= CHUNK_LAST;
	bpf_ringbuf_submit(ev, ring_wake_flag());
	return 0;
}

/*
 * The offset comes from the loop index, not from state kept in E: the
 * verifier then sees one state per iteration instead of walking every
 * distinct offset of a 4 GiB call.
 */
static long emit_chunk(__u32 i, void *arg)
{
	struct emit_ctx *e = arg;
	__u32 off = i * CHUNK_MAX;
	__u64 left, n;
	long err;

	if (off >= e->hdr.cap_len)
		return 1;
	left = e->hdr.cap_len - off;
	n = left > CHUNK_MAX ? CHUNK_MAX : left;
	if (n <= 128)
		err = emit_chunk_class(e, off, n, 128);
	else if (n <= 256)
		err = emit_chunk_class(e, off, n, 256);
	else if (n <= 512)
		err = emit_chunk_class(e, off, n, 512);
	else if (n <= 1024)
		err = emit_chunk_class(e, off, n, 1024);
	else if (n <= 2048)
		err = emit_chunk_class(e, off, n, 2048);
	else if (n <= 4096)
		err = emit_chunk_class(e, off, n, 4096);
	else if (n <= 8192)
		err = emit_chunk_class(e, off, n, 8192);
	else if (n <= 16384)
		err = emit_chunk_class(e, off, n, 16384);
	else
		err = emit_chunk_class(e, off, n, CHUNK_MAX);
	if (err) {
		e->failed = true;
		e->off = off;
		return 1;
	}
	return 0;
}

/*
 * The ring buffer is full: tell user space how much of the call is missing
 * with a data-less last record, so the record it prints says so.
 */
static __always_inline void emit_lost_tail(struct emit_ctx *e)
{
	__u32 missing = e->hdr.cap_len - e->off;
	struct event *ev;

	stat_add(STAT_LOST_CALLS_RINGBUF, 1);
	stat_add(STAT_LOST_BYTES_RINGBUF, missing);
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev)
		return;		/* user space sees the call end without CHUNK_LAST */
	__builtin_memcpy(ev, &e->hdr, sizeof(*ev));
	ev->offset = e->off;
	ev->lost = missing;
	ev->flags |= CHUNK_LAST;
	bpf_ringbuf_submit(ev, 0);
}

/* The library's struct view of the connection (fd; with META version, cipher and ALPN into H). */
static __always_inline bool read_conn(const struct call_state *s, __s32 *fd, struct event *h,
				      const bool meta)
{
	void *handle = (void *)s->handle;

	if (func_is_openssl(s->func))
		return openssl_read_conn(handle, fd, h, meta);
	if (func_is_gnutls(s->func))
		return gnutls_read_conn(handle, fd, h, meta);
	if (func_is_nspr(s->func))
		return nspr_read_conn(handle, fd);
	if (func_is_go(s->func) && go_layout()) {
		if (meta)
			go_read_meta(handle, h);
		else
			*fd = go_read_fd(handle, s->go_itab, s->go_by_type);
		return true;
	}
	return false;
}

/* H's connection fields from the cache, when it holds them for SOCK. */
static __always_inline bool conn_from_cache(struct event *h, const struct handle_key *key,
					    __u64 sock, bool meta)
{
	struct conn_cache *c = bpf_map_lookup_elem(&conn_cache, key);

	if (!c || c->sock != sock || (meta && !c->has_meta))
		return false;
	h->family = c->family;
	h->sport = c->sport;
	h->dport = c->dport;
	__builtin_memcpy(h->saddr, c->saddr, sizeof(h->saddr));
	__builtin_memcpy(h->daddr, c->daddr, sizeof(h->daddr));
	if (meta) {
		h->tls_version = c->tls_version;
		h->cipher_id = c->cipher_id;
		__builtin_memcpy(h->cipher, c->cipher, sizeof(h->cipher));
		h->alpn_len = c->alpn_len;
		__builtin_memcpy(h->alpn, c->alpn, sizeof(h->alpn));
	}
	return true;
}

static __always_inline void conn_to_cache(const struct event *h, const struct handle_key *key,
					  __u64 sock, bool meta)
{
	__u32 zero = 0;
	struct conn_cache *c = bpf_map_lookup_elem(&conn_scratch, &zero);

	if (!c)
		return;
	c->sock = sock;
	c->has_meta = meta;
	c->family = h->family;
	c->sport = h->sport;
	c->dport = h->dport;
	c->tls_version = h->tls_version;
	c->cipher_id = h->cipher_id;
	__builtin_memcpy(c->saddr, h->saddr, sizeof(c->saddr));
	__builtin_memcpy(c->daddr, h->daddr, sizeof(c->daddr));
	__builtin_memcpy(c->cipher, h->cipher, sizeof(c->cipher));
	c->alpn_len = h->alpn_len;
	__builtin_memcpy(c->alpn, h->alpn, sizeof(c->alpn));
	bpf_map_update_elem(&conn_cache, key, c, BPF_ANY);
}

/*
 * The library's own view of the connection, when its layout is known. The
 * fd is read every call (the handle may move to another socket); the rest
 * comes from the cache while the fd names the same socket, once the
 * handshake has given a cipher, by name or by id (NSS's records never have
 * one), and only from a data call: an SSL_do_handshake that returns
 * unfinished (non-blocking) may have the suite from the ServerHello but not
 * yet the ALPN protocol of the EncryptedExtensions after it.
 */
static __always_inline bool fill_from_struct(struct event *h, const struct call_state *s,
					     const struct handle_key *key)
{
	bool meta = !func_is_nspr(s->func);
	__s32 fd = -1, fd_again;
	__u64 sock;

	if (!s->layout_ok || !read_conn(s, &fd, h, false))
		return false;
	sock = (__u64)fd_socket(fd);
	if (sock) {
		h->fd = fd;
		h->fd_source = FD_SRC_STRUCT;
		if (conn_from_cache(h, key, sock, meta))
			return true;
	}
	/* Also for an application's own BIO (curl's): the socket then comes
	 * from the syscalls, the version and cipher still from the struct.
	 * One call site: each is inlined for every library and layout. */
	if (meta)
		read_conn(s, &fd_again, h, true);
	if (!sock)
		return false;
	fill_conn(h, fd);
	if (h->kind != EV_HANDSHAKE && (!meta || h->cipher[0] || h->cipher_id))
		conn_to_cache(h, key, sock, meta);
	return true;
}

/*
 * The call's socket: from the library's struct where its layout is known,
 * else the one the thread used inside the call, else the handle's last one.
 */
static __always_inline void fill_fd(struct event *h, const struct call_state *s)
{
	struct handle_key key = { .handle = s->handle, .tgid = h->pid };
	__s32 fd = s->fd, *known;
	__u64 sock;

	if (fill_from_struct(h, s, &key))
		return;
	if (fd >= 0) {
		bpf_map_update_elem(&handle_fds, &key, &fd, BPF_ANY);
	} else {
		known = bpf_map_lookup_elem(&handle_fds, &key);
		if (!known) {
			if (!*(volatile __u32 *)&syscalls_wanted)
				*(volatile __u32 *)&syscalls_wanted = 1;
			return;
		}
		fd = *known;
	}
	h->fd = fd;
	h->fd_source = FD_SRC_SYSCALL;
	sock = (__u64)fd_socket(fd);
	if (!sock || conn_from_cache(h, &key, sock, false))
		return;
	fill_conn(h, fd);
	conn_to_cache(h, &key, sock, false);
}

static __always_inline __u64 next_call_id(void)
{
	__u32 zero = 0;
	__u64 *seq = bpf_map_lookup_elem(&call_seq, &zero);

	if (!seq)
		return 0;
	return (*seq)++ << CALL_ID_CPU_BITS | bpf_get_smp_processor_id();
}

static __always_inline void fill_header(struct event *h, const struct call_state *s, __u8 kind)
{
	__u64 id = bpf_get_current_pid_tgid();

	h->call_id = next_call_id();
	h->ts_ns = bpf_ktime_get_ns();
	h->latency_ns = h->ts_ns - s->ts;
	h->handle = s->handle;
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->kind = kind;
	h->func = s->func;
	h->fd = -1;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	fill_cgroup(h);
	fill_fd(h, s);
}

static __always_inline void emit_handshake(const struct call_state *s, __s32 ret)
{
	struct event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		stat_add(STAT_LOST_EVENTS_OTHER, 1);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	fill_header(ev, s, EV_HANDSHAKE);
	ev->ret = ret;
	ev->flags = CHUNK_LAST;
	bpf_ringbuf_submit(ev, 0);
}

/*
 * The connection's secrets, once: on its first data call after the
 * handshake, and again only if the handle now carries another connection
 * (another client random). Before the data, so that a pcapng's secrets
 * block precedes the packets it decrypts.
 */
static __always_inline void emit_secrets(const struct call_state *s)
{
	struct handle_key key = { .handle = s->handle,
				  .tgid = bpf_get_current_pid_tgid() >> 32 };
	__u8 random[SSLSNIFF_RANDOM_LEN];
	__u64 *sent, first;
	struct event *ev;

	if (!targ_keylog || !s->layout_ok)
		return;
	if (func_is_openssl(s->func)) {
		if (openssl_read_client_random((void *)s->handle, random))
			return;
	} else if (!func_is_gnutls(s->func) ||
		   gnutls_read_client_random((void *)s->handle, random)) {
		return;
	}
	__builtin_memcpy(&first, random, sizeof(first));
	sent = bpf_map_lookup_elem(&secrets_sent, &key);
	if (sent && *sent == first)
		return;
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev) + sizeof(struct tls_secrets), 0);
	if (!ev) {
		stat_add(STAT_LOST_EVENTS_OTHER, 1);
		return;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	fill_header(ev, s, EV_SECRETS);
	if (func_is_openssl(s->func) ? !openssl_read_secrets((void *)s->handle, (struct tls_secrets *)ev->data)
				     : !gnutls_read_secrets((void *)s->handle, (struct tls_secrets *)ev->data)) {
		bpf_ringbuf_discard(ev, 0);
		return;
	}
	ev->chunk_len = sizeof(struct tls_secrets);
	ev->flags = CHUNK_LAST;
	bpf_ringbuf_submit(ev, 0);
	bpf_map_update_elem(&secrets_sent, &key, &first, BPF_ANY);
}

static __always_inline void emit_data(const struct call_state *s, __u64 len)
{
	struct emit_ctx e = {};
	__u64 cap = len;

	if (cap > CALL_MAX_LEN)
		cap = CALL_MAX_LEN;
	if (targ_max_bytes && cap > targ_max_bytes)
		cap = targ_max_bytes;
	if (len > cap)
		stat_add(STAT_TRUNCATED_BYTES, len - cap);

	fill_header(&e.hdr, s, EV_DATA);
	e.hdr.len = len > CALL_MAX_LEN ? CALL_MAX_LEN : len;
	e.hdr.cap_len = cap;
	e.buf = s->buf;
	if (!cap) {
		/* --max-bytes 0 is refused by user space; keep a record anyway */
		emit_lost_tail(&e);
		return;
	}
	/* Most calls fit one chunk: no bpf_loop and its callback for them. */
	if (cap <= CHUNK_MAX)
		emit_chunk(0, &e);
	else
		bpf_loop((cap + CHUNK_MAX - 1) / CHUNK_MAX, emit_chunk, &e, 0);
	if (e.failed)
		emit_lost_tail(&e);
}

#include "go_keylog.bpf.h"

/* SSL_do_handshake returns 1 when done, gnutls_handshake 0 (GNUTLS_E_SUCCESS). */
static __always_inline int handshake_return(const struct call_state *s, __s32 ret)
{
	if (targ_wire && ret == (s->func == FUNC_SSL_DO_HANDSHAKE ? 1 : 0))
		emit_secrets(s);
	if (s->func == FUNC_SSL_DO_HANDSHAKE)
		emit_handshake(s, ret);
	return 0;
}

/*
 * A return instruction of Go's (*Conn).Read or Write: this goroutine's
 * call ends here when its frame is the entry's (not a return of the same
 * function called deeper, were it ever). n in rax: the bytes written, or
 * read into b, also when an error comes with them.
 */
static __always_inline int go_return(struct pt_regs *ctx, __u32 func)
{
	__u64 g = GO_G(ctx), frame = go_frame(g, GO_SP(ctx));
	struct call_state *st, s;
	__s64 n;

	st = go_slot_get(g, func, false);
	if (!st || !st->depth || !frame || frame != st->sp)
		return 0;
	s = *st;
	st->depth = 0;
	n = (__s64)GO_RESULT(ctx);
	if (n <= 0 || targ_wire)	/* -i: Go's keys come from writeKeyLog */
		return 0;
	emit_data(&s, n);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(uretprobe_return)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);
	struct call_state *st, s;
	__s64 n;

	if (func_is_go(cookie & COOKIE_FUNC_MASK))
		return go_return(ctx, cookie & COOKIE_FUNC_MASK);
	st = call_slot_get(cookie & COOKIE_FUNC_MASK, false);
	if (!st || !st->depth)
		return 0;
	if (cookie & COOKIE_RET_INSN) {
		/* A return instruction also runs for calls nested in this one
		 * and for other callers of a tail-callee: only the one in this
		 * call's own frame ends it, and with it the nested ones. */
		if (PT_REGS_SP(ctx) != st->sp)
			return 0;
	} else if (st->depth > 1) {
		st->depth--;
		return 0;
	}
	s = *st;
	st->depth = 0;

	if (func_is_handshake(s.func))
		return handshake_return(&s, (__s32)PT_REGS_RC(ctx));
	n = call_result(ctx, s.func);
	if (func_is_ex(s.func) || s.internal) {
		size_t done = 0;

		/* _ex: 1 on success; the internal functions: > 0. */
		if (n <= 0)
			return 0;
		if (bpf_probe_read_user(&done, sizeof(done), (void *)s.out_len)) {
			stat_add(STAT_LOST_CALLS_BAD_LEN, 1);
			return 0;
		}
		n = done;
	}
	if (n <= 0)
		return 0;
	emit_secrets(&s);
	/* -i's fallback for a process whose handshake was not seen: the
	 * packets carry the bytes, this call only the keys. */
	if (targ_wire)
		return 0;
	emit_data(&s, n);
	return 0;
}

/*
 * The socket I/O syscalls by number: the first one a thread makes on a
 * socket inside a TLS call tells which connection the call is on.
 */
static __always_inline bool is_socket_io(long id)
{
#if defined(__TARGET_ARCH_x86)
	return id == 0 || id == 1 || id == 19 || id == 20 || (id >= 44 && id <= 47);
#elif defined(__TARGET_ARCH_arm64)
	return (id >= 63 && id <= 66) || id == 206 || id == 207 || id == 211 || id == 212;
#else
	return false;
#endif
}

/*
 * A Go goroutine's socket syscall inside its Read or Write: the goroutine
 * is r14 at the syscall (Go 1.19's syscalls go through ABIInternal
 * assembly, which keeps g there), whichever thread runs it by then.
 */
static __always_inline void go_sys_enter(struct pt_regs *regs, __u64 pid_tgid)
{
	struct go_calls *c;
	struct call_state *st;
	__u64 g = 0;
	int fd = -1;

#if defined(__TARGET_ARCH_x86)
	g = BPF_CORE_READ(regs, r14);
#endif
	c = go_calls_of(g, pid_tgid >> 32);
	if (!c)
		return;
	for (int slot = 0; slot < GO_SLOT__MAX; slot++) {
		st = &c->slot[slot];
		if (!st->depth || st->fd >= 0)
			continue;
		if (fd < 0) {
			fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
			if (!fd_socket(fd))
				return;
		}
		st->fd = fd;
	}
}

SEC("raw_tp/sys_enter")
int BPF_PROG(raw_tp_sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid;
	struct thread_calls *t;
	struct call_state *st;
	int fd = -1;

	if (!is_socket_io(id))
		return 0;
	pid_tgid = bpf_get_current_pid_tgid();
	t = bpf_task_storage_get(&calls, bpf_get_current_task_btf(), NULL, 0);
	if (!t) {
		go_sys_enter(regs, pid_tgid);
		return 0;
	}
	for (int slot = 0; slot < SLOT__MAX; slot++) {
		st = &t->slot[slot];
		if (!st->depth || st->fd >= 0)
			continue;
		if (fd < 0) {
			fd = PT_REGS_PARM1_CORE_SYSCALL(regs);
			if (!fd_socket(fd))
				return 0;
		}
		st->fd = fd;
	}
	return 0;
}

/* The current task's root directory, and whether it has a controlling terminal. */
static __always_inline void task_root(struct root_key *k, bool *tty)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct dentry *d = BPF_CORE_READ(t, fs, root.dentry);

	k->dev = BPF_CORE_READ(d, d_sb, s_dev);
	k->ino = BPF_CORE_READ(d, d_inode, i_ino);
	*tty = BPF_CORE_READ(t, signal, tty) != NULL;
}

/*
 * Whether the exec'ing process enters a root not handled yet; and then
 * whether it is to be held: a new container's first processes would make
 * their first TLS call before user space has attached to the libraries of
 * their root (an uprobe registration waits for an RCU grace period).
 * SIGSTOP takes effect before the new program's first instruction; user
 * space sends SIGCONT once attached. A process with a controlling terminal
 * is never held: an interactive shell would take the stop for a job's.
 */
static __always_inline __u32 exec_root(struct exec_event *ev)
{
	struct root_key k = {};
	__u8 pending = ROOT_PENDING, *st;
	bool tty;

	task_root(&k, &tty);
	ev->root_dev = k.dev;
	ev->root_ino = k.ino;
	st = bpf_map_lookup_elem(&known_roots, &k);
	if (st && *st == ROOT_KNOWN)
		return 0;
	if (!st)
		bpf_map_update_elem(&known_roots, &k, &pending, BPF_NOEXIST);
	if (!targ_hold || !*(volatile __u32 *)&hold_new_roots || tty ||
	    bpf_send_signal(19 /* SIGSTOP */))
		return EXEC_NEW_ROOT;
	return EXEC_NEW_ROOT | EXEC_HELD;
}

/*
 * A new program image: user space scans what it maps, and attaches to a TLS
 * library or a statically linked program not seen before. (fentry, kprobe
 * and LSM hooks on mmap would catch later dlopen()s too, but are refused on
 * kernels in lockdown or without kprobes; this raw tracepoint is not.)
 */
SEC("raw_tp/sched_process_exec")
int raw_tp_process_exec(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct exec_event *ev;

	if (targ_watch_pids && !bpf_map_lookup_elem(&watched_pids, &pid))
		return 0;
	if (!task_wanted())
		return 0;
	ev = bpf_ringbuf_reserve(&exec_events, sizeof(*ev), 0);
	if (!ev) {
		stat_add(STAT_LOST_EVENTS_OTHER, 1);
		return 0;
	}
	ev->ts_ns = bpf_ktime_get_ns();
	ev->pid = pid;
	/* Only a process whose event is on its way can be held: it is what
	 * makes user space release it. */
	ev->flags = exec_root(ev);
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, BPF_RB_FORCE_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
