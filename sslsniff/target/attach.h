/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_ATTACH_H
#define __SSLSNIFF_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "target/detect.h"
#include "sslsniff.h"

struct bpf_program;
struct attacher;

/* The programs a file's probes use, and whether they may read its structs. */
struct attach_progs {
	struct bpf_program *entry;	/* uprobe_entry */
	struct bpf_program *ret;	/* uretprobe_return */
	bool layout_ok;
};

/*
 * Gives the programs for a file, from what the detector found in it (the
 * library and its version, or nothing). The callee may load a program
 * instance relocated against that version's layout on first use.
 */
typedef void (*attach_progs_fn)(const struct tls_detect *d, struct attach_progs *out, void *ctx);

struct attach_opts {
	attach_progs_fn progs;
	void *ctx;
	unsigned int libs;		/* mask of 1 << enum tls_library to attach */
	bool handshake;			/* also SSL_do_handshake */
	bool probe_entry;		/* only the exported entry points (--probe-entry) */
};

struct attacher *attacher__new(const struct attach_opts *opts);
void attacher__free(struct attacher *a);

/*
 * Attaches to the hooked functions that the ELF file PATH defines, for
 * process PID (-1: every process). LIB forces the library kind (0: tell it
 * from the exported symbols). A file already seen for the same PID (same
 * device and inode) is skipped. Returns the number of probes attached, 0
 * when the file holds no enabled TLS library or was seen before, -errno on
 * failure (already reported).
 */
int attacher__add_file(struct attacher *a, const char *path, enum tls_library lib, int pid);

/*
 * Whether a process that maps the file PATH (examined before for PID, as
 * attacher__add_file() takes it) may make TLS calls whose socket its
 * library's structs do not give, so that the socket syscalls inside them
 * must be watched: a library whose layout is not
 * known, GnuTLS and NSS (their transport is the application's to set), or
 * a file that gives OpenSSL a transport of its own (its own BIO method,
 * SSL_set_bio: curl, libpq, python's memory BIOs).
 */
bool attacher__needs_syscalls(struct attacher *a, const char *path, int pid);

/* True when the file (dev, ino) was examined before for PID. */
bool attacher__seen(struct attacher *a, dev_t dev, ino_t ino, int pid);

size_t attacher__nr_probes(const struct attacher *a);
size_t attacher__nr_files(const struct attacher *a);
/* Number of attached files of library LIB. */
size_t attacher__nr_files_of(const struct attacher *a, enum tls_library lib);

#endif
