/* SPDX-License-Identifier: GPL-2.0 */
/* A few macros for the pure-C unit tests; each test binary exits 1 on failure. */
#ifndef __SSLSNIFF_UNIT_H
#define __SSLSNIFF_UNIT_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static int unit_failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stdout, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                              \
			unit_failures++;                                             \
		}                                                                    \
	} while (0)

#define CHECK_STR(got, want)                                                         \
	do {                                                                         \
		const char *g_ = (got), *w_ = (want);                                \
		if (strcmp(g_, w_)) {                                                \
			fprintf(stdout, "%s:%d: got '%s', want '%s'\n", __FILE__, __LINE__, \
				g_, w_);                                             \
			unit_failures++;                                             \
		}                                                                    \
	} while (0)

/* The whole of PATH in a malloc()ed buffer, its size in *LEN; NULL on failure. */
static inline void *unit_read_file(const char *path, size_t *len)
{
	struct stat st;
	void *buf = NULL;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (!fstat(fd, &st) && (buf = malloc(st.st_size)) &&
	    read(fd, buf, st.st_size) != st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	if (buf)
		*len = st.st_size;
	return buf;
}

/* PATH made of LEN bytes of BUF (a failure counts as a failed check). */
static inline void unit_write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		unit_failures++;
	if (fd >= 0)
		close(fd);
}

#define UNIT_DONE(name)                                                              \
	do {                                                                         \
		printf("%s: %s\n", name, unit_failures ? "FAIL" : "ok");            \
		return unit_failures ? 1 : 0;                                        \
	} while (0)

#endif
