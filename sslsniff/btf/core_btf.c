// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btf/btf_subset.h"
#include "btf/core_btf.h"
#include "lib/log.h"

#define CACHE_DIR	"/var/cache/sslsniff/core-btf"
#define KERNEL_BTF	"/sys/kernel/btf/vmlinux"

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* Bumped when what goes into the merged BTF changes. */
#define CACHE_FORMAT	"kernel-subset-1"

/* Same kernel build and same library BTF files: same merged BTF. */
static int cache_key(const char *kernel_btf, const char *const *libs, size_t nr, uint64_t *key)
{
	struct stat ks, ls;
	struct utsname u;
	uint64_t h = 0xcbf29ce484222325ULL;

	if (stat(kernel_btf, &ks) || uname(&u))
		return -errno;
	h = fnv1a(h, CACHE_FORMAT, strlen(CACHE_FORMAT));
	h = fnv1a(h, u.release, strlen(u.release));
	h = fnv1a(h, u.version, strlen(u.version));
	h = fnv1a(h, kernel_btf, strlen(kernel_btf));
	h = fnv1a(h, &ks.st_size, sizeof(ks.st_size));
	for (size_t i = 0; i < nr; i++) {
		if (stat(libs[i], &ls))
			return -errno;
		h = fnv1a(h, libs[i], strlen(libs[i]) + 1);
		h = fnv1a(h, &ls.st_size, sizeof(ls.st_size));
		h = fnv1a(h, &ls.st_mtim, sizeof(ls.st_mtim));
	}
	*key = h;
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

static const char *btf_strerror(int err)
{
	static char buf[128];

	libbpf_strerror(err, buf, sizeof(buf));
	return buf;
}

/* A name offset that points into the string section (0: anonymous). */
static bool str_ok(const struct btf *btf, __u32 off)
{
	return btf__str_by_offset(btf, off) != NULL;
}

/*
 * Every name of every type resolves. libbpf 1.1 (Debian 12) parses a file
 * whose offsets point past its strings and then reads them as NULL in
 * btf__add_btf(): a --btf or btf-db file must not crash us (fuzzing found it).
 */
static bool names_ok(const struct btf *btf)
{
	for (__u32 id = 1; id < btf__type_cnt(btf); id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		__u16 n = btf_vlen(t);
		bool ok = str_ok(btf, t->name_off);

		for (__u16 i = 0; ok && i < n; i++) {
			if (btf_is_composite(t))
				ok = str_ok(btf, btf_members(t)[i].name_off);
			else if (btf_is_enum(t))
				ok = str_ok(btf, btf_enum(t)[i].name_off);
			else if (btf_is_enum64(t))
				ok = str_ok(btf, btf_enum64(t)[i].name_off);
			else if (btf_is_func_proto(t))
				ok = str_ok(btf, btf_params(t)[i].name_off);
		}
		if (!ok)
			return false;
	}
	return true;
}

/* Adds the library BTF file LIB_BTF to BTF. */
static int merge_one(struct btf *btf, const char *lib_btf)
{
	struct btf *lbtf = btf__parse(lib_btf, NULL);
	int err;

	if (lbtf && !names_ok(lbtf)) {
		btf__free(lbtf);
		lbtf = NULL;
		errno = EINVAL;
	}
	if (!lbtf) {
		err = -errno;
		p_err("btf: library BTF '%s': %s", lib_btf, btf_strerror(err));
		return err;
	}
	err = btf__add_btf(btf, lbtf);
	btf__free(lbtf);
	if (err < 0) {
		p_err("btf: cannot merge '%s' into the kernel's BTF: %s", lib_btf, strerror(-err));
		return err;
	}
	return 0;
}

int core_btf_write(const struct btf *btf, const char *out)
{
	char tmp[PATH_MAX + 8];
	const void *raw;
	__u32 size;
	int fd, err;

	raw = btf__raw_data(btf, &size);
	if (!raw)
		return -ENOMEM;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", out) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = write_all(fd, raw, size);
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, out))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int write_btf(const struct btf *btf, const char *out)
{
	int err = core_btf_write(btf, out);

	if (err)
		p_err("btf: cannot write '%s': %s", out, strerror(-err));
	return err;
}

/* BASE (freed here) with the types of the NR files IN added, written to OUT. */
static int add_and_write(struct btf *base, const char *const *in, size_t nr, const char *out)
{
	int err = 0;

	for (size_t i = 0; i < nr && !err; i++)
		err = merge_one(base, in[i]);
	if (!err)
		err = write_btf(base, out);
	btf__free(base);
	return err;
}

/* The kernel's types the program may use, with every library's types added. */
static int merge_to(const char *kernel_btf, const char *const *libs, size_t nr, const char *out)
{
	struct btf *kbtf = btf__parse(kernel_btf, NULL), *sub;
	int err;

	/* A bad kernel BTF is reported by the program load that follows. */
	if (!kbtf) {
		err = -errno;
		p_debug("btf: kernel BTF '%s': %s", kernel_btf, btf_strerror(err));
		return err;
	}
	sub = btf_subset_for_program(kbtf);
	err = -errno;
	if (sub)
		p_debug("btf: %u of the kernel's %u types kept", btf__type_cnt(sub) - 1,
			btf__type_cnt(kbtf) - 1);
	btf__free(kbtf);
	if (!sub) {
		p_err("btf: cannot take the program's types from '%s': %s", kernel_btf,
		      strerror(-err));
		return err;
	}
	return add_and_write(sub, libs, nr, out);
}

int core_btf_concat(const char *const *in, size_t nr, const char *out)
{
	struct btf *btf = btf__new_empty();

	return btf ? add_and_write(btf, in, nr, out) : -ENOMEM;
}

int core_btf_build(const char *kernel_btf, const char *const *libs, size_t nr, char *out,
		   size_t size)
{
	uint64_t key;
	int err;

	if (!kernel_btf)
		kernel_btf = KERNEL_BTF;
	err = cache_key(kernel_btf, libs, nr, &key);
	if (err) {
		p_err("btf: %s: %s", kernel_btf, strerror(-err));
		return err;
	}
	if ((mkdir("/var/cache/sslsniff", 0700) && errno != EEXIST) ||
	    (mkdir(CACHE_DIR, 0700) && errno != EEXIST)) {
		err = -errno;
		p_err("btf: cannot create %s: %s", CACHE_DIR, strerror(-err));
		return err;
	}
	snprintf(out, size, "%s/%016" PRIx64 ".btf", CACHE_DIR, key);
	if (!access(out, R_OK)) {
		p_debug("btf: cached merged BTF '%s'", out);
		return 0;
	}
	err = merge_to(kernel_btf, libs, nr, out);
	if (!err)
		p_debug("btf: merged the kernel's BTF and %zu library BTF file(s) into '%s'", nr,
			out);
	return err;
}
