/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_DIGEST_H
#define __SSLSNIFF_DIGEST_H

#include <stddef.h>
#include <stdint.h>

/*
 * SHA-256 of what a cache entry is made from (libcrypto's, see digest.c), so that
 * an entry is found again only for the very same contents.
 */
#define DIGEST_LEN	32
#define DIGEST_HEX_LEN	(2 * DIGEST_LEN + 1)

/* The most of one file digest__add_fd() reads: a sparse file of terabytes
 * planted by a container must not keep start-up reading zeros. */
#define DIGEST_MAX_FILE	(1ULL << 30)

struct digest;

/* A digest in progress, or NULL (errno set). */
struct digest *digest__new(void);
void digest__add(struct digest *d, const void *p, size_t n);
/* S with its NUL, so that "ab" then "c" differs from "a" then "bc". */
void digest__add_str(struct digest *d, const char *s);
/*
 * The whole file FD, from offset 0 (pread: its offset is left alone).
 * 0, -EFBIG for a file larger than DIGEST_MAX_FILE, or -errno.
 */
int digest__add_fd(struct digest *d, int fd);
/* The digest into OUT; frees D. -EIO when libcrypto failed on the way. */
int digest__end(struct digest *d, uint8_t out[DIGEST_LEN]);

/* One buffer at once. 0 or -errno. */
int digest_buf(const void *p, size_t n, uint8_t out[DIGEST_LEN]);
void digest_hex(const uint8_t in[DIGEST_LEN], char out[DIGEST_HEX_LEN]);

#endif
