/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_TARGET_FILE_H
#define __SSLSNIFF_TARGET_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "target/detect.h"
#include "target/discover.h"
#include "target/probe_place.h"
#include "target/ret_mode.h"
#include "tls_funcs.h"

struct bpf_program;

/* The programs a file's probes use, and whether they may read its structs. */
struct attach_progs {
	struct bpf_program *entry;	/* uprobe_entry */
	struct bpf_program *ret;	/* uretprobe_return */
	bool layout_ok;
};

/* OpenSSL's read and write wrapper pairs, placed at their internal function. */
enum wrapper_pair {
	PAIR_WRITE,
	PAIR_READ,
	PAIR__MAX,
};

#define TARGET_MAX_PIDS	64	/* -p */

/*
 * One TLS library or executable, made once, however many processes map it
 * and however many paths lead to it: opened and pinned (its fd stays open,
 * so that every later step, the attach included, sees this inode and no
 * file swapped in at its path), its library and version detected, its
 * probe points placed.
 */
struct target_file {
	int fd;				/* -1 once not needed */
	dev_t dev;
	ino_t ino;
	char path[PATH_MAX + 64];	/* the path that reached it, for messages */
	struct tls_detect det;
	uint64_t offs[FUNC__MAX];	/* functions probed at their entries (0: not) */
	bool go_pclntab;		/* Go functions from .gopclntab: no symbols */
	struct internal_site site[PAIR__MAX];
	bool has_site[PAIR__MAX];	/* the pair is probed at its internal function */
	/* With return-instruction probes: where each probed function (and
	 * internal site) returns; none: a uretprobe. */
	struct probe_returns rets[FUNC__MAX];
	struct probe_returns site_rets[PAIR__MAX];
	/* Go: the address of the itab of *net.TCPConn as a net.Conn minus the
	 * function's, for its probes' cookies (0: unknown); with GO_BY_TYPE,
	 * that of *net.TCPConn's type descriptor (COOKIE_GO_TYPE). */
	int32_t go_tcpconn_itab[FUNC__MAX];
	bool go_by_type;
	const char *go_conn_from;	/* how *net.TCPConn was found (NULL: not) */
	bool progs_chosen;
	struct attach_progs progs;	/* the program instance its layout picked */
	int pids[TARGET_MAX_PIDS];	/* attached for these processes (-1: all) */
	int nr_pids;
	int call_pids[TARGET_MAX_PIDS];	/* -i: reads and writes too, for these */
	int nr_call_pids;
	size_t nr_probes;
};

/* Which functions are hooked, and how. */
struct target_opts {
	unsigned int libs;		/* mask of 1 << enum tls_library */
	bool handshake;			/* also SSL_do_handshake */
	bool keylog;			/* also Go's writeKeyLog (--keylog) */
	bool wire;			/* -i: the handshakes too (gnutls_handshake) */
	bool probe_entry;		/* only the exported entry points (--probe-entry) */
	enum ret_probes ret_probes;	/* as ret_probes_choose() decided (not AUTO) */
};

/* Every file examined, by inode: the TLS ones as objects, the rest as a mark. */
struct target_files;

struct target_files *target_files__new(const struct target_opts *opts);
void target_files__free(struct target_files *t);

/*
 * The TLS file F names (discover.h), made on first sight: analysed once,
 * then the same object for every later mapping of the same file. LIB
 * forces the library kind (0: tell it from the exported symbols). NULL with
 * errno 0 for a file that hooks nothing (remembered, not kept), NULL with
 * errno set when it cannot be opened or is not usable ELF.
 */
struct target_file *target_files__get(struct target_files *t, const struct discover_file *f,
				      enum tls_library lib);

/* The same for a path (--lib, --detect). */
struct target_file *target_files__get_path(struct target_files *t, const char *path,
					   enum tls_library lib);

/*
 * Whether F, a file that hooks nothing, gives OpenSSL a transport of its own
 * (it imports BIO_meth_new or SSL_set_bio: curl, libpq, python's _ssl), as
 * target_files__get() found when it examined it.
 */
bool target_files__gives_transport(const struct target_files *t, const struct discover_file *f);

/*
 * Whether a process that maps TF may make TLS calls whose socket its
 * library's structs do not give, so that the socket syscalls inside them
 * must be watched: a library whose layout is not known, GnuTLS and NSS
 * (their transport is the application's to set), or a file that gives
 * OpenSSL a transport of its own (its own BIO method, SSL_set_bio: curl,
 * libpq, python's memory BIOs). Known once its programs are chosen.
 */
bool target_file_needs_syscalls(const struct target_file *tf);

size_t target_files__nr_tls(const struct target_files *t, enum tls_library lib);

#endif
