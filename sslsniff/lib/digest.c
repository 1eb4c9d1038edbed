// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
/*
 * OpenSSL's low-level SHA-256 (deprecated in 3.0, not removed), not EVP:
 * EVP's first fetch initialises the library's providers, which keeps about
 * 1.8 MB more of libcrypto resident for the whole run, a tenth of
 * sslsniff's memory target, for a hash done at start-up. Same code (SHA-NI).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include "lib/digest.h"

struct digest {
	SHA256_CTX ctx;
	bool failed;
};

struct digest *digest__new(void)
{
	struct digest *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (!SHA256_Init(&d->ctx)) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

void digest__add(struct digest *d, const void *p, size_t n)
{
	if (n && !SHA256_Update(&d->ctx, p, n))
		d->failed = true;
}

void digest__add_str(struct digest *d, const char *s)
{
	digest__add(d, s, strlen(s) + 1);
}

int digest__add_fd(struct digest *d, int fd)
{
	static const size_t chunk = 1 << 18;
	unsigned char *buf;
	uint64_t total = 0;
	struct stat st;
	ssize_t n;
	int err = 0;

	if (fstat(fd, &st))
		return -errno;
	if ((uint64_t)st.st_size > DIGEST_MAX_FILE)
		return -EFBIG;
	buf = malloc(chunk);
	if (!buf)
		return -ENOMEM;
	/* To the end as it is now: a file that grows meanwhile is capped too. */
	while ((n = pread(fd, buf, chunk, total)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		total += n;
		if (total > DIGEST_MAX_FILE) {
			err = -EFBIG;
			break;
		}
		digest__add(d, buf, n);
	}
	free(buf);
	/* The length too: contents alone would not tell a file from its prefix
	 * followed by what comes next in the key. */
	digest__add(d, &total, sizeof(total));
	return err;
}

int digest__end(struct digest *d, uint8_t out[DIGEST_LEN])
{
	int err;

	_Static_assert(DIGEST_LEN == SHA256_DIGEST_LENGTH, "a digest is SHA-256's");
	err = SHA256_Final(out, &d->ctx) && !d->failed ? 0 : -EIO;
	free(d);
	return err;
}

int digest_buf(const void *p, size_t n, uint8_t out[DIGEST_LEN])
{
	struct digest *d = digest__new();

	if (!d)
		return -ENOMEM;
	digest__add(d, p, n);
	return digest__end(d, out);
}

void digest_hex(const uint8_t in[DIGEST_LEN], char out[DIGEST_HEX_LEN])
{
	for (int i = 0; i < DIGEST_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}
