/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_BTF_CACHE_H
#define __SSLSNIFF_BTF_CACHE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/digest.h"

/*
 * The caches of BTF that sslsniff generates (DWARF layouts, merged
 * kernel+library BTF), kept apart in $SSLSNIFF_BTF_CACHE/NAME (default
 * /var/cache/sslsniff/NAME). An entry is named by its key, a SHA-256 of
 * everything it is made from, and holds that key and the SHA-256 of its
 * BTF: both are checked on every read, so that a stale, truncated or
 * mismatching entry is never used (it is made again). The directories
 * must be sslsniff's own: opened without following a symlink, owned by
 * the effective user, the base not writable by others, NAME mode 0700;
 * otherwise there is no cache (one warning).
 */
struct btf_cache {
	int dirfd;
	char dir[PATH_MAX];
};

/* C, for the cache NAME, made when absent. 0 or -errno (warned once per NAME). */
int btf_cache__open(struct btf_cache *c, const char *name);
void btf_cache__close(struct btf_cache *c);

/* Where KEY's entry is: DIR/<key in hex>.btf. */
void btf_cache__path(const struct btf_cache *c, const uint8_t key[DIGEST_LEN], char *out,
		     size_t size);

/*
 * KEY's entry, checked: 0 with its BTF in *DATA (malloc'd; NULL DATA: only
 * checked) and *LEN, or -ENOENT when there is none or it does not match
 * (said with -v).
 */
int btf_cache__get(const struct btf_cache *c, const uint8_t key[DIGEST_LEN], void **data,
		   size_t *len);

/* KEY's entry made of the LEN bytes of BTF at DATA, whole (temporary file,
 * then rename), mode 0600. 0 or -errno (reported). */
int btf_cache__put(const struct btf_cache *c, const uint8_t key[DIGEST_LEN], const void *data,
		   size_t len);

/*
 * The BTF in the file at PATH: a cache entry's, checked (its own sum), or
 * a plain BTF or ELF file's (btf-db, --btf). NULL with errno set.
 */
struct btf;
struct btf *btf_cache_parse(const char *path);

/*
 * The LEN bytes at DATA in a file of memory, for libbpf, which takes a
 * path (btf_custom_path): the fd (O_CLOEXEC; the caller closes it) and its
 * path, /proc/self/fd/N, in OUT. -errno on failure.
 */
int btf_cache_memfd(const void *data, size_t len, char *out, size_t size);

#endif
