/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer targets share: the input as a file, for the parsers
 * that take a path or an fd. One memfd per process, rewritten for each
 * input: the production code opens, maps and reads it as it would any file.
 */
#ifndef __SSLSNIFF_FUZZ_H
#define __SSLSNIFF_FUZZ_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "lib/log.h"

/* The input in a memfd (kept open, the same fd every time); its path,
 * /proc/self/fd/N, goes to PATH when not NULL. */
static inline int fuzz_memfd(const uint8_t *data, size_t size, char *path, size_t path_size)
{
	static int fd = -1;
	size_t off = 0;

	if (fd < 0)
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, 0))
		abort();
	while (off < size) {
		ssize_t n = pwrite(fd, data + off, size - off, off);

		if (n <= 0)
			abort();
		off += n;
	}
	if (path)
		snprintf(path, path_size, "/proc/self/fd/%d", fd);
	return fd;
}

/* The input written whole to the file PATH. */
static inline void fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "we");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
		abort();
}

static char fuzz_dir[64];

static int fuzz_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void fuzz_tmpdir_remove(void)
{
	nftw(fuzz_dir, fuzz_rm, 8, FTW_DEPTH | FTW_PHYS);
}

/* A directory of our own under /dev/shm (memory, not disk) for outputs,
 * removed at exit (a crash leaves it, with what the parser wrote). */
static inline const char *fuzz_tmpdir(void)
{
	if (!fuzz_dir[0]) {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "/dev/shm/sslsniff-fuzz.XXXXXX");
		if (!mkdtemp(fuzz_dir))
			abort();
		atexit(fuzz_tmpdir_remove);
	}
	return fuzz_dir;
}

/* A check the parser's contract promises: a failure is a finding. */
#define FUZZ_ASSERT(cond)                                                          \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stderr, "%s:%d: fuzz assertion failed: %s\n", __FILE__, \
				__LINE__, #cond);                                  \
			abort();                                                   \
		}                                                                  \
	} while (0)

/* A malloc()ed copy of N bytes of its own size (ASan sees a read past its
 * end, which a pointer into the whole input would hide); never NULL. */
static inline void *fuzz_copy(const uint8_t *data, size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	memcpy(p, data, n);
	return p;
}

#endif
