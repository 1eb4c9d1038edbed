/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_OUT_FILE_H
#define __SSLSNIFF_OUT_FILE_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * A file sslsniff writes secrets to (-o, -w, --keylog, --summary-json).
 * Opened in two steps, so that a start-up that fails leaves the file system
 * as it found it: out_file__open() checks and opens, creating only a file
 * that did not exist; out_file__commit(), once capture can start, empties a
 * file that existed. The rules (docs/security.md):
 * - a symlink at the path is refused, never followed;
 * - a new file is created 0600 (O_EXCL, whatever the umask);
 * - an existing regular file is replaced only when it is ours (euid) and has
 *   one link; it is then made 0600;
 * - a FIFO of ours and any character device (/dev/null, a terminal) are
 *   streams: written as they are, never truncated nor chmod'ed;
 * - "-", /dev/stdout, /dev/stderr and /dev/fd/N name a descriptor sslsniff
 *   was given: it is duplicated, not opened again.
 */
struct out_file {
	const char *what;	/* the option, for errors: "-o", "--keylog" */
	const char *path;
	int fd;			/* O_CLOEXEC; the caller closes it (or its FILE) */
	dev_t dev;
	ino_t ino;
	mode_t mode;		/* st_mode as opened */
	bool created;		/* made by this run: removed by out_file__discard() */
	bool replace;		/* an existing file of ours: emptied by out_file__commit() */
};

/* Opens PATH for WHAT as above. 0 or -errno, reported in one line. */
int out_file__open(struct out_file *f, const char *what, const char *path);

/* Two outputs on one file (a hard link, "./a" and "a", stdout redirected):
 * true when they would mix. Character devices may be shared. */
bool out_file__same(const struct out_file *a, const struct out_file *b);

/* Capture starts: an existing file of ours is emptied and made 0600. 0 or -errno (reported). */
int out_file__commit(struct out_file *f);

/* Start-up failed: a file this run created is removed (if the path still
 * names it). Files that existed stay as they are. Idempotent. */
void out_file__discard(struct out_file *f);

#endif
