// SPDX-License-Identifier: GPL-2.0
/*
 * Finding TLS library files: the linker cache, and the files that running
 * processes map, wherever they live (through /proc/PID/root for processes
 * in another root).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "lib/fs_open.h"
#include "lib/hashset.h"
#include "lib/log.h"
#include "target/discover.h"

static const char *const tls_names[] = { "libssl.so", "libgnutls.so", "libnspr4.so" };

bool discover_is_tls_name(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	for (size_t i = 0; i < sizeof(tls_names) / sizeof(tls_names[0]); i++) {
		size_t n = strlen(tls_names[i]);

		/* libssl.so, libssl.so.3, libssl.so.1.1 */
		if (!strncmp(base, tls_names[i], n) && (base[n] == '\0' || base[n] == '.'))
			return true;
	}
	return false;
}

/* glibc's ld.so.cache "new" format (glibc 2.32+ writes only this one). */
#define LDCACHE_MAGIC_OLD	"ld.so-1.7.0"
#define LDCACHE_MAGIC_NEW	"glibc-ld.so.cache1.1"

struct ldcache_header {
	char magic[20];
	uint32_t nlibs;
	uint32_t len_strings;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t extension_offset;
	uint32_t unused[3];
};

struct ldcache_entry {
	int32_t flags;
	uint32_t key;
	uint32_t value;
	uint32_t osversion;
	uint64_t hwcap;
};

/* A string at OFF of the cache, or NULL if it does not end inside it. */
static const char *ldcache_str(const char *base, size_t size, uint32_t off)
{
	if (off >= size || !memchr(base + off, '\0', size - off))
		return NULL;
	return base + off;
}

/* An entry of a cache under ROOT ("" for ours, "/proc/PID/root" for another). */
static int ldcache_entry(const char *root, const char *path, discover_fn fn, void *ctx)
{
	char full[PATH_MAX + 32];
	struct discover_file f = { .path = full, .pid = -1, .named_tls = true };

	if (snprintf(full, sizeof(full), "%s%s", root, path) >= (int)sizeof(full))
		return 0;
	return fn(&f, ctx);
}

static int ldcache_walk(const char *root, const char *map, size_t size, discover_fn fn,
			void *ctx)
{
	const struct ldcache_header *h;
	size_t start = 0;
	int err = 0;

	if (size >= 16 && !memcmp(map, LDCACHE_MAGIC_OLD, sizeof(LDCACHE_MAGIC_OLD) - 1)) {
		uint32_t nold;

		/* Old entries are 3 ints; the new header follows, 8-aligned. */
		memcpy(&nold, map + 12, sizeof(nold));
		start = (16 + (size_t)nold * 12 + 7) & ~(size_t)7;
	}
	if (start > size || size - start < sizeof(*h))
		return -EINVAL;
	h = (const void *)(map + start);
	if (memcmp(h->magic, LDCACHE_MAGIC_NEW, sizeof(h->magic)))
		return -EINVAL;
	if (h->nlibs > (size - start - sizeof(*h)) / sizeof(struct ldcache_entry))
		return -EINVAL;
	for (uint32_t i = 0; i < h->nlibs && !err; i++) {
		const struct ldcache_entry *e =
			(const struct ldcache_entry *)(map + start + sizeof(*h)) + i;
		const char *path = ldcache_str(map + start, size - start, e->value);

		if (path && path[0] == '/' && discover_is_tls_name(path))
			err = ldcache_entry(root, path, fn, ctx);
	}
	return err;
}

/* glibc's own is ~100 KB; a container's could be sparse gigabytes. */
#define LDCACHE_MAX	(64U << 20)

/* The cache at FD, read (a mapping would SIGBUS if its owner truncated it). */
static char *ldcache_read(int fd, size_t *size)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t at = 0;

	if (fstat(fd, &st) || st.st_size <= 0)
		return errno = EINVAL, NULL;
	if ((uint64_t)st.st_size > LDCACHE_MAX)
		return errno = EFBIG, NULL;
	buf = malloc(st.st_size);
	if (!buf)
		return NULL;
	while (at < (size_t)st.st_size) {
		n = pread(fd, buf + at, st.st_size - at, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		at += n;
	}
	*size = at;
	return buf;
}

int discover_ldcache(const char *cache_path, discover_fn fn, void *ctx)
{
	char root[32], *buf;
	size_t size = 0;
	int fd, err;

	fd = fs_open(cache_path);
	if (fd < 0)
		return fd;
	buf = ldcache_read(fd, &size);
	err = buf ? 0 : -errno;
	close(fd);
	if (err == -EFBIG)
		p_warn("discover: '%s': larger than any linker cache (%u MB); not read",
		       cache_path, LDCACHE_MAX >> 20);
	if (err)
		return err == -EFBIG ? -EINVAL : err;
	snprintf(root, sizeof(root), "%.*s", (int)fs_root_prefix(cache_path), cache_path);
	err = ldcache_walk(root, buf, size, fn, ctx);
	if (err == -EINVAL)
		p_warn("discover: '%s': not a linker cache this tool reads", cache_path);
	free(buf);
	return err;
}

struct maps_entry {
	unsigned long start, end;
	unsigned int major, minor;
	unsigned long ino;
	bool exec;
	const char *path;
};

/* One line of /proc/PID/maps; false for anonymous and special mappings. */
static bool maps_parse_line(char *line, struct maps_entry *m)
{
	char perms[8];
	int pos = 0;
	char *nl;

	if (sscanf(line, "%lx-%lx %7s %*x %x:%x %lu %n", &m->start, &m->end, perms, &m->major,
		   &m->minor, &m->ino, &pos) != 6 || !pos)
		return false;
	m->exec = strchr(perms, 'x') != NULL;
	m->path = line + pos;
	nl = strchr(line + pos, '\n');
	if (nl)
		*nl = '\0';
	return m->path[0] == '/' && m->ino;
}

static FILE *maps_open(int pid)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/maps", pid);
	return fopen(p, "re");
}

int discover_maps(FILE *f, int pid, discover_fn fn, void *ctx)
{
	unsigned long last_ino = 0;
	struct maps_entry m;
	char *line = NULL, *deleted;
	size_t cap = 0;
	int err = 0;

	while (!err && getline(&line, &cap, f) > 0) {
		struct discover_file df = { .pid = pid };

		if (!maps_parse_line(line, &m) || !m.exec || m.ino == last_ino)
			continue;
		last_ino = m.ino;
		/* An upgraded library that a running process still maps. */
		deleted = strstr(m.path, " (deleted)");
		if (deleted && !deleted[10])
			*deleted = '\0';
		df.path = m.path;
		df.named_tls = discover_is_tls_name(m.path);
		df.start = m.start;
		df.end = m.end;
		df.major = m.major;
		df.minor = m.minor;
		df.ino = m.ino;
		df.deleted = deleted != NULL;
		err = fn(&df, ctx);
	}
	free(line);
	return err;
}

int discover_process(int pid, discover_fn fn, void *ctx)
{
	FILE *f = maps_open(pid);
	int err;

	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	err = discover_maps(f, pid, fn, ctx);
	fclose(f);
	return err;
}

int discover_all_processes(discover_fn fn, void *ctx)
{
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir("/proc");
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		err = discover_process(atoi(de->d_name), fn, ctx);
		if (err == -ESRCH || err == -EACCES)
			err = 0;	/* exited meanwhile, or a kernel thread */
	}
	closedir(d);
	return err;
}

int discover_new_root(struct hashset *seen, int pid, discover_fn fn, void *ctx)
{
	struct stat mine, theirs;
	uint64_t key[2];
	char p[64];
	int err;

	snprintf(p, sizeof(p), "/proc/%d/root", pid);
	if (stat("/", &mine))
		return -errno;
	if (stat(p, &theirs))
		return -ESRCH;
	if (mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino)
		return 0;
	key[0] = theirs.st_dev;
	key[1] = theirs.st_ino;
	if (hashset_add(seen, hashset_key(key, sizeof(key))) <= 0)
		return 0;
	snprintf(p, sizeof(p), "/proc/%d/root/etc/ld.so.cache", pid);
	err = discover_ldcache(p, fn, ctx);
	p_debug("discover: pid %d is in a new root: '%s': %s", pid, p, err ? strerror(-err) : "read");
	/* A root without a cache this tool reads (musl, none at all): its
	 * processes' mappings still show their libraries. */
	return err == -ENOENT || err == -EINVAL || err == -ENOEXEC ? 0 : err;
}

/* FD is the mapped file itself: the same inode (and device, but overlay and
 * FUSE files may show another one in maps than their own). */
static bool is_mapped(int fd, const struct discover_file *f, bool any_dev)
{
	struct stat st;

	return !fstat(fd, &st) && st.st_ino == f->ino &&
	       (any_dev || (major(st.st_dev) == f->major && minor(st.st_dev) == f->minor));
}

static int try_open(const struct discover_file *f, bool any_dev, char *name, size_t size,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int try_open(const struct discover_file *f, bool any_dev, char *name, size_t size,
		    const char *fmt, ...)
{
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(name, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	fd = fs_open(name);
	if (fd >= 0 && !is_mapped(fd, f, any_dev)) {
		close(fd);
		fd = -ENOENT;
	}
	return fd;
}

int discover_open(const struct discover_file *f, char *name, size_t size)
{
	int fd = -ENOENT;

	if (f->pid < 0) {
		snprintf(name, size, "%s", f->path);
		return fs_open(f->path);
	}
	/* The plain path for a process of the host, the process's root for one
	 * in a container whose root is its mount namespace's, and otherwise
	 * the mapping itself, which needs no path at all (an unshare'd mount
	 * namespace under a chroot, a deleted file). */
	if (!f->deleted)
		fd = try_open(f, false, name, size, "%s", f->path);
	if (fd < 0 && !f->deleted)
		fd = try_open(f, false, name, size, "/proc/%d/root%s", f->pid, f->path);
	if (fd < 0)
		fd = try_open(f, true, name, size, "/proc/%d/map_files/%lx-%lx", f->pid, f->start,
			      f->end);
	return fd;
}
