// SPDX-License-Identifier: GPL-2.0
/*
 * Caches of generated BTF, keyed and checked by content. A container
 * decides what its own files hold, never which entry another file's
 * layout comes from: the key covers the contents every entry is made of.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "btf/btf_cache.h"
#include "lib/fd_io.h"
#include "lib/log.h"

#define CACHE_BASE	"/var/cache/sslsniff"
#define ENTRY_MAGIC	"sslsniff-btf-v2"	/* 15 characters and a NUL */
#define ENTRY_MAX	(64U << 20)		/* the merged BTF is ~200 KB */

/* What an entry starts with; its BTF follows. */
struct entry_hdr {
	char magic[16];
	uint8_t key[DIGEST_LEN];
	uint8_t sum[DIGEST_LEN];	/* SHA-256 of the BTF */
	uint64_t len;			/* bytes of BTF */
};

_Static_assert(sizeof(struct entry_hdr) == 88, "entry header is packed by hand");

static const char *cache_base(void)
{
	const char *env = getenv("SSLSNIFF_BTF_CACHE");

	return env && env[0] ? env : CACHE_BASE;
}

/* A directory of ours: not a symlink (O_NOFOLLOW), owned by us, and not
 * writable by anyone else (SECRET: no access for anyone else at all). */
static int cache_dir_check(int fd, bool secret, const char **why)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_uid != geteuid())
		*why = "not owned by the user running sslsniff";
	else if (st.st_mode & (secret ? 077 : 022))
		*why = secret ? "not mode 0700" : "writable by others";
	else
		return 0;
	return -EPERM;
}

static int cache_dir_open(int at, const char *path, bool secret, const char **why)
{
	int fd, err;

	if (mkdirat(at, path, 0700) && errno != EEXIST) {
		*why = strerror(errno);
		return -errno;
	}
	fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		*why = err == -ELOOP || err == -ENOTDIR ? "not a directory (a symlink?)"
						       : strerror(-err);
		return err;
	}
	err = cache_dir_check(fd, secret, why);
	if (err)
		close(fd);
	return err ? err : fd;
}

int btf_cache__open(struct btf_cache *c, const char *name)
{
	static atomic_bool warned_base, warned_dwarf, warned_core;
	atomic_bool *warned = !strcmp(name, "core-btf.v2") ? &warned_core : &warned_dwarf;
	const char *base = cache_base(), *why = NULL;
	int bfd, err;

	c->dirfd = -1;
	snprintf(c->dir, sizeof(c->dir), "%s/%s", base, name);
	bfd = cache_dir_open(AT_FDCWD, base, false, &why);
	if (bfd < 0) {
		if (!atomic_exchange(&warned_base, true))
			p_warn("btf: cache directory '%s' refused: %s; BTF is not cached", base,
			       why);
		return bfd;
	}
	err = cache_dir_open(bfd, name, true, &why);
	close(bfd);
	if (err < 0) {
		if (!atomic_exchange(warned, true))
			p_warn("btf: cache directory '%s' refused: %s; BTF is not cached", c->dir,
			       why);
		return err;
	}
	c->dirfd = err;
	return 0;
}

void btf_cache__close(struct btf_cache *c)
{
	if (c->dirfd >= 0)
		close(c->dirfd);
	c->dirfd = -1;
}

static void entry_name(const uint8_t key[DIGEST_LEN], char *out, size_t size)
{
	char hex[DIGEST_HEX_LEN];

	digest_hex(key, hex);
	snprintf(out, size, "%s.btf", hex);
}

void btf_cache__path(const struct btf_cache *c, const uint8_t key[DIGEST_LEN], char *out,
		     size_t size)
{
	char name[DIGEST_HEX_LEN + 8];

	entry_name(key, name, sizeof(name));
	snprintf(out, size, "%s/%s", c->dir, name);
}

/* The whole regular file FD, of at most ENTRY_MAX bytes: malloc'd. */
static void *read_file(int fd, size_t *len)
{
	struct stat st;
	void *buf;
	int err;

	if (fstat(fd, &st))
		return NULL;
	if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > ENTRY_MAX) {
		errno = S_ISREG(st.st_mode) ? EFBIG : ENOEXEC;
		return NULL;
	}
	buf = malloc(st.st_size);
	if (!buf)
		return NULL;
	err = fd_read_all(fd, buf, st.st_size);
	if (err) {
		free(buf);
		errno = -err;
		return NULL;
	}
	*len = st.st_size;
	return buf;
}

/* Whether the LEN bytes at BUF are a whole entry (for KEY, unless NULL). */
static const char *entry_check(const void *buf, size_t len, const uint8_t *key)
{
	const struct entry_hdr *h = buf;
	uint8_t sum[DIGEST_LEN];

	if (len < sizeof(*h) || memcmp(h->magic, ENTRY_MAGIC, sizeof(h->magic)))
		return "not a cache entry of this version";
	if (key && memcmp(h->key, key, DIGEST_LEN))
		return "made for another key";
	if (h->len != len - sizeof(*h))
		return "truncated";
	if (digest_buf((const char *)buf + sizeof(*h), h->len, sum) ||
	    memcmp(sum, h->sum, DIGEST_LEN))
		return "its BTF does not match its sum";
	return NULL;
}

int btf_cache__get(const struct btf_cache *c, const uint8_t key[DIGEST_LEN], void **data,
		   size_t *len)
{
	char name[DIGEST_HEX_LEN + 8];
	const char *why;
	size_t size = 0;
	void *buf;
	int fd;

	if (c->dirfd < 0)
		return -ENOENT;
	entry_name(key, name, sizeof(name));
	fd = openat(c->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	buf = read_file(fd, &size);
	why = buf ? entry_check(buf, size, key) : strerror(errno);
	close(fd);
	if (why) {
		p_debug("btf: cache entry '%s/%s' ignored (%s): made again", c->dir, name, why);
		free(buf);
		return -ENOENT;
	}
	if (data) {
		size -= sizeof(struct entry_hdr);
		memmove(buf, (char *)buf + sizeof(struct entry_hdr), size);
		*data = buf;
		*len = size;
	} else {
		free(buf);
	}
	return 0;
}

/* A temporary name of our own in the cache: threads and other sslsniffs too. */
static int entry_tmp(const struct btf_cache *c, const char *name, char *tmp, size_t size)
{
	static atomic_uint seq;
	int fd;

	for (int i = 0; i < 16; i++) {
		snprintf(tmp, size, ".%.16s.%d.%u.tmp", name, getpid(), atomic_fetch_add(&seq, 1));
		fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd >= 0 || errno != EEXIST)
			return fd < 0 ? -errno : fd;
	}
	return -EEXIST;
}

int btf_cache__put(const struct btf_cache *c, const uint8_t key[DIGEST_LEN], const void *data,
		   size_t len)
{
	struct entry_hdr h = { .magic = ENTRY_MAGIC, .len = len };
	char name[DIGEST_HEX_LEN + 8], tmp[64];
	int fd, err;

	if (c->dirfd < 0)
		return -EBADF;
	memcpy(h.key, key, DIGEST_LEN);
	err = digest_buf(data, len, h.sum);
	if (err)
		return err;
	entry_name(key, name, sizeof(name));
	fd = entry_tmp(c, name, tmp, sizeof(tmp));
	if (fd < 0) {
		err = fd;
		goto out;
	}
	err = fd_write_all(fd, &h, sizeof(h));
	if (!err)
		err = fd_write_all(fd, data, len);
	if (close(fd) && !err)
		err = -errno;
	if (!err && renameat(c->dirfd, tmp, c->dirfd, name))
		err = -errno;
	if (err)
		unlinkat(c->dirfd, tmp, 0);
out:
	if (err)
		p_err("btf: cannot write '%s/%s': %s", c->dir, name, strerror(-err));
	return err;
}

/* Whether FD starts with an entry's magic: else a plain BTF or ELF file. */
static bool is_entry(int fd)
{
	char magic[16];

	return pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	       !memcmp(magic, ENTRY_MAGIC, sizeof(magic));
}

struct btf *btf_cache_parse(const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct btf *btf = NULL;
	const char *why;
	size_t len = 0;
	void *buf;

	if (fd < 0)
		return NULL;
	if (!is_entry(fd)) {
		close(fd);
		return btf__parse(path, NULL);
	}
	buf = read_file(fd, &len);
	close(fd);
	why = buf ? entry_check(buf, len, NULL) : strerror(errno);
	if (why) {
		p_debug("btf: '%s': %s", path, why);
		errno = EINVAL;
	} else {
		btf = btf__new((char *)buf + sizeof(struct entry_hdr),
			       ((struct entry_hdr *)buf)->len);
	}
	free(buf);
	return btf;
}

int btf_cache_memfd(const void *data, size_t len, char *out, size_t size)
{
	int fd = memfd_create("sslsniff-btf", MFD_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = fd_write_all(fd, data, len);
	if (err) {
		close(fd);
		return err;
	}
	snprintf(out, size, "/proc/self/fd/%d", fd);
	return fd;
}
