/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between bpf/sslsniff.bpf.c and the user-space side: record
 * layout, enums and limits. Fixed-size types only, largest fields first.
 */
#ifndef __SSLSNIFF_H
#define __SSLSNIFF_H

#define SSLSNIFF_COMM_LEN	16
#define SSLSNIFF_CIPHER_LEN	48
#define SSLSNIFF_RANDOM_LEN	32	/* a hello's random */
#define SSLSNIFF_SECRET_LEN	64	/* EVP_MAX_MD_SIZE: a secret or hash, up to SHA-512 */
/*
 * The negotiated ALPN protocol's first bytes: "h2", "http/1.1", "acme-tls/1",
 * "postgresql" and nearly every other registered name fit whole; a longer
 * one (up to 255, RFC 7301) is cut, its full length in alpn_len.
 */
#define SSLSNIFF_ALPN_LEN	16

/*
 * A call's plaintext is sent as chunks of at most CHUNK_MAX bytes. Each chunk
 * reserves ring-buffer space of the smallest size class (powers of two from
 * CHUNK_MIN) that holds it, so a 40-byte write does not pin 32 KiB of ring.
 */
#define CHUNK_MIN_SHIFT		7
#define CHUNK_MAX_SHIFT		15
#define CHUNK_MIN		(1U << CHUNK_MIN_SHIFT)
#define CHUNK_MAX		(1U << CHUNK_MAX_SHIFT)

/* A call longer than this is truncated and the rest counted (4 GiB - 1). */
#define CALL_MAX_LEN		0xffffffffU

enum tls_library {
	LIB_OPENSSL = 1,
	LIB_GNUTLS,
	LIB_NSS,
	LIB_GO,		/* Go's crypto/tls, compiled into each executable */
};

/*
 * Hooked functions. The value is the uprobe's attach cookie, so one entry
 * and one return program serve them all.
 */
enum tls_func {
	FUNC_SSL_READ = 1,
	FUNC_SSL_WRITE,
	FUNC_SSL_READ_EX,
	FUNC_SSL_WRITE_EX,
	FUNC_SSL_DO_HANDSHAKE,
	FUNC_GNUTLS_RECORD_RECV,
	FUNC_GNUTLS_RECORD_SEND,
	FUNC_PR_READ,
	FUNC_PR_WRITE,
	FUNC_PR_RECV,
	FUNC_PR_SEND,
	/* Go 1.17+ on amd64 (register ABI): func (c *Conn) Write(b []byte) (int, error) */
	FUNC_GO_TLS_READ,
	FUNC_GO_TLS_WRITE,
	/* func (c *Config) writeKeyLog(label string, clientRandom, secret []byte) error:
	 * entry only (--keylog), struct keylog_line */
	FUNC_GO_WRITE_KEY_LOG,
	/* int gnutls_handshake(gnutls_session_t): only with -i, for its secrets */
	FUNC_GNUTLS_HANDSHAKE,
	FUNC__MAX,
};

enum event_kind {
	EV_DATA = 1,		/* a chunk of plaintext of one call */
	EV_HANDSHAKE,		/* SSL_do_handshake returned */
	EV_SECRETS,		/* followed by struct tls_secrets (--keylog) */
	EV_KEYLOG_LINE,		/* followed by struct keylog_line (--keylog) */
};

/* Where a record's fd came from. */
enum fd_source {
	FD_SRC_NONE,
	FD_SRC_SYSCALL,		/* a socket read/write of the thread inside the call */
	FD_SRC_STRUCT,		/* the library's own struct, read with CO-RE */
};

/*
 * Attach cookie: the enum tls_func in the low byte, and this bit when the
 * probed file's library layout is the one the program was relocated
 * against, so that its private structs may be read.
 */
#define COOKIE_FUNC_MASK	0xff
#define COOKIE_LAYOUT_OK	0x100
/*
 * The probe sits on OpenSSL's internal read or write function that both
 * wrappers (SSL_write and SSL_write_ex) call, whose entry the kernel
 * emulates instead of single-stepping: arguments (SSL *, buf, size_t num,
 * size_t *done), success when it returns > 0, the count in *done. The
 * function is the wrapper's (FUNC_SSL_WRITE), or its _ex twin when the
 * return address minus the probed address is the cookie's high 32 bits.
 */
#define COOKIE_INTERNAL		0x200
/* ... whose count pointer is its fifth argument (r8: 3.2+, after a flags argument). */
#define COOKIE_COUNT_ARG5	0x400
/*
 * A return probe on a return instruction (a plain uprobe), not a
 * uretprobe: the call returns there when the stack pointer is the one its
 * entry saw (the return address on top), whatever was called inside it.
 */
#define COOKIE_RET_INSN		0x800
#define COOKIE_EX_DELTA_SHIFT	32
/*
 * Go's probes: the high 32 bits are the address of the itab of
 * *net.TCPConn as a net.Conn minus the probed function's (signed; 0 when
 * unknown), so that the entry finds it from its own address, PIE or not.
 */
#define COOKIE_GO_ITAB_SHIFT	32
/* ... and they are the distance to *net.TCPConn's type descriptor, which
 * the itab's type word must be (Go 1.27's linker names no itabs). */
#define COOKIE_GO_TYPE		0x1000

/* Flags of a data chunk. */
#define CHUNK_LAST	0x1	/* no more chunks follow for this call */

/* Per-CPU counters, summed by user space. */
enum stat_id {
	STAT_LOST_CALLS_RINGBUF,	/* calls that lost bytes to a full ring buffer */
	STAT_LOST_BYTES_RINGBUF,
	STAT_LOST_BYTES_FAULT,		/* user memory could not be read */
	STAT_LOST_CALLS_STATE,		/* too many calls in flight to track */
	STAT_LOST_CALLS_BAD_LEN,	/* _ex byte count could not be read */
	STAT_LOST_EVENTS_OTHER,		/* handshake and exec events */
	STAT_TRUNCATED_BYTES,		/* cut by --max-bytes */
	STAT__MAX,
};

/* Header of every ring-buffer record; EV_DATA is followed by chunk_len bytes. */
struct event {
	__u64 call_id;		/* unique per call, shared by its chunks */
	__u64 ts_ns;		/* CLOCK_MONOTONIC at return */
	__u64 latency_ns;	/* entry to return */
	__u64 handle;		/* SSL *, gnutls_session_t, PRFileDesc * or Go's *tls.Conn */
	__u64 cgroup_id;	/* the caller's cgroup v2 id */
	__u64 cgroup1_id;	/* ... and in the v1 hierarchy user space chose, 0: none */
	__u32 pid;
	__u32 tid;
	__u32 uid;
	__u32 len;		/* bytes the call returned */
	__u32 cap_len;		/* of which captured (the rest is truncated) */
	__u32 offset;		/* of this chunk within the call */
	__u32 chunk_len;	/* data bytes that follow */
	__u32 lost;		/* bytes of this range that could not be captured */
	__s32 ret;		/* return value (EV_HANDSHAKE) */
	__s32 fd;		/* the connection's socket, -1 when unknown */
	__u16 family;		/* AF_INET, AF_INET6, or 0 when unknown */
	__u16 sport;		/* local port, host order */
	__u16 dport;		/* remote port, host order */
	__u8 kind;
	__u8 func;
	__u8 flags;
	__u8 fd_source;		/* enum fd_source */
	__u16 tls_version;	/* e.g. 0x0304 for TLS 1.3, 0 when unknown */
	__u16 cipher_id;	/* IANA's, e.g. 0x1302, 0 when unknown */
	__u8 alpn_len;		/* of the protocol ALPN selected, 0 when none or unknown */
	__u8 pad;
	__u8 saddr[16];		/* local address; IPv4 in the first 4 bytes */
	__u8 daddr[16];		/* remote address */
	char comm[SSLSNIFF_COMM_LEN];
	char cipher[SSLSNIFF_CIPHER_LEN];	/* the library's name for it, "" unread */
	char alpn[SSLSNIFF_ALPN_LEN];	/* its first alpn_len bytes, not terminated */
	__u8 data[];
};

/*
 * What a connection's key log is made of, read from the library's structs
 * once per connection after its handshake. The TLS 1.3 traffic secrets are
 * derived from these in user space (RFC 8446 7.1), as the library does;
 * which hash by the cipher suite in the event's header.
 */
#define SECRETS_TRAFFIC	0x1	/* TLS 1.3: traffic[] as the library keeps them (GnuTLS) */

struct tls_secrets {
	__u8 client_random[SSLSNIFF_RANDOM_LEN];
	__u8 master_key[48];		/* TLS 1.2 and earlier */
	__u32 master_key_len;
	__u32 flags;
	__u8 handshake_secret[SSLSNIFF_SECRET_LEN];
	__u8 handshake_traffic_hash[SSLSNIFF_SECRET_LEN];	/* to ServerHello */
	__u8 master_secret[SSLSNIFF_SECRET_LEN];
	__u8 server_finished_hash[SSLSNIFF_SECRET_LEN];	/* to server Finished */
	__u8 exporter_master_secret[SSLSNIFF_SECRET_LEN];
	/* With SECRETS_TRAFFIC: client and server handshake, client and server
	 * application traffic secrets, exporter secret. */
	__u8 traffic[5][SSLSNIFF_SECRET_LEN];
};

/*
 * One key log line's parts as the library hands them to its own key log
 * writer (Go's writeKeyLog: label, client random, secret), whatever their
 * lengths: each *_len is the length the call passed, its bytes copied only
 * when they fit, so that user space refuses (and counts) a longer one
 * instead of writing it cut. A secret: a TLS 1.2 master secret (48) or a
 * TLS 1.3 secret of SHA-256 or SHA-384 (32, 48).
 */
#define SSLSNIFF_LABEL_LEN		32	/* "CLIENT_HANDSHAKE_TRAFFIC_SECRET" is 31 */
#define SSLSNIFF_LINE_SECRET_LEN	48
#define KEYLOG_FAULT	0x1	/* a part that fits could not be read */

struct keylog_line {
	char label[SSLSNIFF_LABEL_LEN];
	__u8 client_random[SSLSNIFF_RANDOM_LEN];
	__u8 secret[SSLSNIFF_LINE_SECRET_LEN];
	__u32 label_len;
	__u32 random_len;
	__u32 secret_len;
	__u32 flags;		/* KEYLOG_* */
};

/*
 * --container and --cgroup: a call passes when the caller's cgroup is ID or
 * below it, ID being at LEVEL of its hierarchy (v2's, or the v1 one whose
 * ids the records carry).
 */
#define SSLSNIFF_MAX_CGROUPS	8

struct cgroup_target {
	__u64 id;
	__u32 level;
	__u32 v1;
};

/*
 * Sent on the separate exec_events ring when a process execs, so that user
 * space can look for TLS libraries that it maps (a container starting, node
 * being run) and attach before they are used.
 */
struct exec_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC of the exec */
	__u64 root_dev;		/* the process's root directory, as the kernel */
	__u64 root_ino;		/* names it (struct root_key) */
	__u32 pid;
	__u32 flags;		/* EXEC_* */
	char comm[SSLSNIFF_COMM_LEN];
};

/* The exec is the first in a root not handled yet (known_roots). */
#define EXEC_NEW_ROOT	0x1
/* ... and the process was stopped (SIGSTOP) until user space has attached
 * to that root's libraries and sends it SIGCONT. */
#define EXEC_HELD	0x2

/* A root directory in known_roots: which files it is, and how far along. */
struct root_key {
	__u64 dev;		/* the kernel's dev_t of its superblock */
	__u64 ino;
};

enum root_state {
	ROOT_PENDING = 1,	/* its first exec was reported: hold the others too */
	ROOT_KNOWN,		/* user space attached to its libraries */
};

#endif /* __SSLSNIFF_H */
