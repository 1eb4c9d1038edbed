// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btf/btf_cache.h"
#include "btf/btf_subset.h"
#include "btf/core_btf.h"
#include "lib/digest.h"
#include "lib/fd_io.h"
#include "lib/log.h"
#include "sslsniff.h"	/* the skeleton names its types */
#include "sslsniff.skel.h"

#define KERNEL_BTF	"/sys/kernel/btf/vmlinux"

/* Bumped when what goes into the merged BTF changes. */
#define CACHE_NAME	"core-btf.v2"
#define CACHE_FORMAT	"sslsniff core-btf: kernel subset 2"

/* The file at PATH, whole, into D. 0 or -errno (reported). */
static int digest_file(struct digest *d, const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
	} else {
		err = digest__add_fd(d, fd);
		close(fd);
	}
	if (err)
		p_err("btf: cannot read '%s': %s", path, strerror(-err));
	return err;
}

/*
 * The program's object and the kernel BTF KERNEL_BTF, summed once per
 * run: every program instance (the preloader makes one per btf-db entry)
 * would otherwise hash the kernel's 5 MB again.
 */
static int base_sum(const char *kernel_btf, uint8_t sum[DIGEST_LEN])
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static char done_for[PATH_MAX];
	static uint8_t done[DIGEST_LEN];
	struct digest *d;
	size_t prog_len = 0;
	const void *prog;
	int err = 0;

	pthread_mutex_lock(&lock);
	if (strcmp(done_for, kernel_btf)) {
		d = digest__new();
		err = d ? 0 : -ENOMEM;
		if (d) {
			prog = sslsniff_bpf__elf_bytes(&prog_len);
			digest__add_str(d, CACHE_FORMAT);
			digest__add(d, &prog_len, sizeof(prog_len));
			digest__add(d, prog, prog_len);
			err = digest_file(d, kernel_btf);
			if (!digest__end(d, done) && !err)
				snprintf(done_for, sizeof(done_for), "%s", kernel_btf);
			else if (!err)
				err = -EIO;
		}
	}
	if (!err)
		memcpy(sum, done, DIGEST_LEN);
	pthread_mutex_unlock(&lock);
	return err;
}

/*
 * The same program (the skeleton's own object, its BTF and all), the same
 * kernel BTF and the same library BTF files, by content: the same merged
 * BTF. Paths, sizes and times say nothing of what a file now holds.
 */
static int cache_key(const char *kernel_btf, const char *const *libs, size_t nr,
		     uint8_t key[DIGEST_LEN])
{
	uint8_t base[DIGEST_LEN];
	struct digest *d;
	uint64_t n = nr;
	int err;

	err = base_sum(kernel_btf, base);
	if (err)
		return err;
	d = digest__new();
	if (!d)
		return -ENOMEM;
	digest__add(d, base, sizeof(base));
	digest__add(d, &n, sizeof(n));
	for (size_t i = 0; i < nr && !err; i++)
		err = digest_file(d, libs[i]);
	if (!err)
		return digest__end(d, key);
	digest__end(d, key);
	return err;
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
	struct btf *lbtf = btf_cache_parse(lib_btf);
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
	err = fd_write_all(fd, raw, size);
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

/* BASE with the types of the NR files IN added. 0 or -errno (reported). */
static int add_all(struct btf *base, const char *const *in, size_t nr)
{
	int err = 0;

	for (size_t i = 0; i < nr && !err; i++)
		err = merge_one(base, in[i]);
	return err;
}

/* The kernel's types the program may use, with every library's types added. */
static struct btf *merge(const char *kernel_btf, const char *const *libs, size_t nr)
{
	struct btf *kbtf = btf__parse(kernel_btf, NULL), *sub;
	int err;

	/* A bad kernel BTF is reported by the program load that follows. */
	if (!kbtf) {
		err = -errno;
		p_debug("btf: kernel BTF '%s': %s", kernel_btf, btf_strerror(err));
		errno = -err;
		return NULL;
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
		errno = -err;
		return NULL;
	}
	err = add_all(sub, libs, nr);
	if (err) {
		btf__free(sub);
		errno = -err;
		return NULL;
	}
	return sub;
}

int core_btf_concat(const char *const *in, size_t nr, const char *out)
{
	struct btf *btf = btf__new_empty();
	int err;

	if (!btf)
		return -ENOMEM;
	err = add_all(btf, in, nr);
	if (!err)
		err = write_btf(btf, out);
	btf__free(btf);
	return err;
}

/* The merged BTF for KEY: C's entry, else merged now (and kept in C). */
static int merged_for(const struct btf_cache *c, const uint8_t key[DIGEST_LEN],
		      const char *kernel_btf, const char *const *libs, size_t nr, char *out,
		      size_t size)
{
	char entry[PATH_MAX + DIGEST_HEX_LEN + 8];
	struct btf *btf;
	const void *raw;
	size_t len;
	void *data;
	__u32 sz;
	int fd;

	btf_cache__path(c, key, entry, sizeof(entry));
	if (!btf_cache__get(c, key, &data, &len)) {
		p_debug("btf: cached merged BTF '%s'", entry);
		fd = btf_cache_memfd(data, len, out, size);
		free(data);
		goto out;
	}
	btf = merge(kernel_btf, libs, nr);
	if (!btf)
		return -errno;
	raw = btf__raw_data(btf, &sz);
	if (!raw) {
		btf__free(btf);
		return -ENOMEM;
	}
	if (c->dirfd >= 0 && !btf_cache__put(c, key, raw, sz))
		p_debug("btf: merged the kernel's BTF and %zu library BTF file(s) into '%s'", nr,
			entry);
	fd = btf_cache_memfd(raw, sz, out, size);
	btf__free(btf);
out:
	if (fd < 0)
		p_err("btf: cannot hold the merged BTF in memory: %s", strerror(-fd));
	return fd;
}

int core_btf_build(const char *kernel_btf, const char *const *libs, size_t nr, char *out,
		   size_t size)
{
	uint8_t key[DIGEST_LEN];
	struct btf_cache c;
	int fd;

	if (!kernel_btf)
		kernel_btf = KERNEL_BTF;
	fd = cache_key(kernel_btf, libs, nr, key);
	if (fd)
		return fd;
	btf_cache__open(&c, CACHE_NAME);	/* none: merged each time */
	fd = merged_for(&c, key, kernel_btf, libs, nr, out, size);
	btf_cache__close(&c);
	return fd;
}
