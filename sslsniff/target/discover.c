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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "target/discover.h"
#include "lib/log.h"

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

static int ldcache_walk(const char *map, size_t size, discover_fn fn, void *ctx)
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
			err = fn(path, -1, true, ctx);
	}
	return err;
}

int discover_ldcache(const char *cache_path, discover_fn fn, void *ctx)
{
	struct stat st;
	void *map;
	int fd, err;

	fd = open(cache_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0) {
		close(fd);
		return -EINVAL;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	err = ldcache_walk(map, st.st_size, fn, ctx);
	if (err == -EINVAL)
		p_warn("discover: '%s': not a linker cache this tool reads", cache_path);
	munmap(map, st.st_size);
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

static bool path_is(const char *path, const struct maps_entry *m)
{
	struct stat st;

	return !stat(path, &st) && st.st_ino == m->ino && major(st.st_dev) == m->major &&
	       minor(st.st_dev) == m->minor;
}

/*
 * A path that opens the mapped file from here: the plain one for a process
 * on the host, through the process's root for one in a container whose
 * root is its mount namespace's, and otherwise the mapping itself, which
 * needs no path at all (an unshare'd mount namespace under a chroot).
 */
static void mapped_file_path(int pid, const struct maps_entry *m, char *path, size_t size)
{
	if (path_is(m->path, m)) {
		snprintf(path, size, "%s", m->path);
		return;
	}
	snprintf(path, size, "/proc/%d/root%s", pid, m->path);
	if (path_is(path, m))
		return;
	snprintf(path, size, "/proc/%d/map_files/%lx-%lx", pid, m->start, m->end);
}

static FILE *maps_open(int pid)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/maps", pid);
	return fopen(p, "re");
}

int discover_process(int pid, discover_fn fn, void *ctx)
{
	unsigned long last_ino = 0;
	struct maps_entry m;
	char path[4096 + 64];
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	int err = 0;

	f = maps_open(pid);
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!err && getline(&line, &cap, f) > 0) {
		if (!maps_parse_line(line, &m) || !m.exec || m.ino == last_ino)
			continue;
		if (strstr(m.path, " (deleted)"))
			continue;
		last_ino = m.ino;
		mapped_file_path(pid, &m, path, sizeof(path));
		err = fn(path, pid, discover_is_tls_name(m.path), ctx);
	}
	free(line);
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

int discover_mapped_path(int pid, dev_t dev, ino_t ino, char *path, size_t size)
{
	struct maps_entry m;
	char *line = NULL;
	size_t cap = 0;
	int err = -ENOENT;
	bool exact = false;
	FILE *f;

	f = maps_open(pid);
	if (!f)
		return -errno;
	/* Overlay and FUSE files may show another device in maps than the
	 * kernel reported: an inode match stands in until a full one. */
	while (!exact && getline(&line, &cap, f) > 0) {
		if (!maps_parse_line(line, &m) || m.ino != ino)
			continue;
		exact = major(dev) == m.major && minor(dev) == m.minor;
		if (exact || err) {
			mapped_file_path(pid, &m, path, size);
			err = 0;
		}
	}
	free(line);
	fclose(f);
	return err;
}
