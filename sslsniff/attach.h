/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_ATTACH_H
#define __SSLSNIFF_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "sslsniff.h"

struct bpf_program;
struct attacher;

struct attach_opts {
	struct bpf_program *entry;	/* uprobe_entry */
	struct bpf_program *ret;	/* uretprobe_return */
	unsigned int libs;		/* mask of 1 << enum tls_library to attach */
	bool handshake;			/* also SSL_do_handshake */
	/* OpenSSL layout family the program was relocated against ("3.0"),
	 * NULL when none: files of that family may have their structs read.
	 * ATTACH_ANY_FAMILY: every shared libssl (--btf). */
	const char *openssl_family;
};

#define ATTACH_ANY_FAMILY	"*"

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

/* True when the file (dev, ino) was examined before for PID. */
bool attacher__seen(struct attacher *a, dev_t dev, ino_t ino, int pid);

size_t attacher__nr_probes(const struct attacher *a);
size_t attacher__nr_files(const struct attacher *a);
/* Number of attached files of library LIB. */
size_t attacher__nr_files_of(const struct attacher *a, enum tls_library lib);

#endif
