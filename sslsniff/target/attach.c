// SPDX-License-Identifier: GPL-2.0
/*
 * Probe placement and attachment. Each hooked function gets an entry probe
 * and a return probe; the attach cookie tells the shared BPF programs which
 * function fired. OpenSSL's read and write wrappers are probed at the
 * internal function they share where that is certain (attach_internal).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "target/attach.h"
#include "target/detect.h"
#include "target/elf_file.h"
#include "lib/log.h"
#include "target/probe_place.h"
#include "tls_funcs.h"

struct seen_file {
	dev_t dev;
	ino_t ino;
	int pid;
	enum tls_library lib;	/* 0: not a TLS library */
	bool needs_syscalls;	/* see attacher__needs_syscalls() */
};

struct attacher {
	struct attach_opts opts;
	struct bpf_link **links;
	size_t nr_links, cap_links;
	struct seen_file *files;
	size_t nr_files, cap_files;
	size_t nr_probes;
};

struct attacher *attacher__new(const struct attach_opts *opts)
{
	struct attacher *a = calloc(1, sizeof(*a));

	if (a)
		a->opts = *opts;
	return a;
}

void attacher__free(struct attacher *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nr_links; i++)
		bpf_link__destroy(a->links[i]);
	free(a->links);
	free(a->files);
	free(a);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

static struct seen_file *attacher_find(struct attacher *a, dev_t dev, ino_t ino, int pid)
{
	for (size_t i = 0; i < a->nr_files; i++) {
		struct seen_file *f = &a->files[i];

		if (f->dev == dev && f->ino == ino && f->pid == pid)
			return f;
	}
	return NULL;
}

/* OpenSSL imports of a program or library that hands OpenSSL its own transport. */
static const char *const own_transport[] = { "BIO_meth_new", "SSL_set_bio" };

bool attacher__needs_syscalls(struct attacher *a, const char *path, int pid)
{
	struct seen_file *f;
	struct stat st;

	if (stat(path, &st))
		return false;
	f = attacher_find(a, st.st_dev, st.st_ino, pid);
	return f && f->needs_syscalls;
}

bool attacher__seen(struct attacher *a, dev_t dev, ino_t ino, int pid)
{
	return attacher_find(a, dev, ino, pid) != NULL;
}

static int attacher_remember(struct attacher *a, dev_t dev, ino_t ino, int pid)
{
	if (grow((void **)&a->files, &a->cap_files, a->nr_files + 1, sizeof(*a->files)))
		return -ENOMEM;
	a->files[a->nr_files++] = (struct seen_file){ .dev = dev, .ino = ino, .pid = pid };
	return 0;
}

static int attach_one(struct attacher *a, struct bpf_program *prog, const char *path,
		      int pid, uint64_t off, uint64_t cookie, bool retprobe)
{
	enum tls_func func = cookie & COOKIE_FUNC_MASK;
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookie, .retprobe = retprobe);
	struct bpf_link *link;
	int err;

	if (grow((void **)&a->links, &a->cap_links, a->nr_links + 1, sizeof(*a->links)))
		return -ENOMEM;
	link = bpf_program__attach_uprobe_opts(prog, pid, path, off, &uo);
	if (!link) {
		err = -errno;
		p_err("attach: '%s': %s probe on %s failed: %s", path,
		      retprobe ? "return" : "entry", tls_func_info(func)->symbol, strerror(-err));
		return err;
	}
	a->links[a->nr_links++] = link;
	a->nr_probes++;
	return 0;
}

/*
 * One entry and one return probe on OpenSSL's internal function behind a
 * wrapper pair (probe_place.c), instead of two on each wrapper's entry,
 * whose first instruction must be single-stepped. Clears the pair's
 * offsets when done. Returns the probes attached (0: not certain here, the
 * exported entries are probed), or -errno.
 */
static int attach_internal(struct attacher *a, struct elf_file *ef, const struct attach_progs *p,
			   const char *path, int pid, uint64_t *offs, enum tls_func plain,
			   enum tls_func ex)
{
	struct internal_site site;
	uint64_t cookie;
	int err;

	if (a->opts.probe_entry || !offs[plain] || !offs[ex])
		return 0;
	if (probe_place_internal(ef, offs[plain], offs[ex], &site)) {
		p_debug("attach: '%s': %s and %s probed at their entries: no internal function "
			"both call for certain", path, tls_func_info(plain)->symbol,
			tls_func_info(ex)->symbol);
		return 0;
	}
	cookie = plain | COOKIE_INTERNAL | (p->layout_ok ? COOKIE_LAYOUT_OK : 0) |
		 (site.count_in_r8 ? COOKIE_COUNT_ARG5 : 0) |
		 (uint64_t)(uint32_t)(int32_t)(site.ex_ret - site.off) << COOKIE_EX_DELTA_SHIFT;
	err = attach_one(a, p->entry, path, pid, site.off, cookie, false);
	if (!err)
		err = attach_one(a, p->ret, path, pid, site.off, cookie, true);
	if (err)
		return err;
	p_debug("attach: '%s': %s and %s probed at their internal function (+0x%llx, count "
		"pointer in %s)", path, tls_func_info(plain)->symbol, tls_func_info(ex)->symbol,
		(unsigned long long)site.off, site.count_in_r8 ? "r8" : "rcx");
	offs[plain] = offs[ex] = 0;
	return 2;
}

static bool func_wanted(const struct attacher *a, const struct tls_func_info *fi,
			enum tls_library lib)
{
	if (lib && fi->lib != lib)
		return false;
	if (!(a->opts.libs & (1U << fi->lib)))
		return false;
	return fi->func != FUNC_SSL_DO_HANDSHAKE || a->opts.handshake;
}

/* -v: what was attached, which library version the detector sees, and
 * whether its structs are read. */
static void attach_log(const char *path, int pid, int n, const struct tls_detect *d,
		       bool layout_ok)
{
	p_debug("attach: '%s' (%s %s, build-id %s) pid %d: %d probes%s", path,
		tls_library_name(d->lib), d->version[0] ? d->version : "version unknown",
		d->build_id[0] ? d->build_id : "none", pid, n,
		layout_ok ? ", structs read with CO-RE" : ", no matching BTF layout: fd from syscalls");
}

int attacher__add_file(struct attacher *a, const char *path, enum tls_library lib, int pid)
{
	const char *names[FUNC__MAX] = {};
	uint64_t offs[FUNC__MAX];
	struct tls_detect d = {};
	struct attach_progs p;
	struct elf_file *ef;
	struct seen_file *seen;
	struct stat st;
	int err, n = 0;

	if (stat(path, &st))
		return -errno;
	if (attacher__seen(a, st.st_dev, st.st_ino, pid))
		return 0;
	err = attacher_remember(a, st.st_dev, st.st_ino, pid);
	if (err)
		return err;
	seen = &a->files[a->nr_files - 1];

	ef = elf_file__open(path);
	if (!ef)
		return -errno;
	for (int f = 1; f < FUNC__MAX; f++) {
		const struct tls_func_info *fi = tls_func_info(f);

		if (fi && func_wanted(a, fi, lib))
			names[f] = fi->symbol;
		else
			names[f] = "";	/* never matches a symbol */
	}
	names[0] = "";
	err = elf_file__find_funcs(ef, names, FUNC__MAX, offs);
	if (err <= 0) {
		/* Not a TLS library: a program or library that may hand OpenSSL a transport. */
		seen->needs_syscalls = !err && elf_file__imports_any(ef, own_transport,
								      sizeof(own_transport) /
								      sizeof(own_transport[0]));
		goto out_close;
	}
	detect_tls_file(path, &d);
	a->opts.progs(&d, &p, a->opts.ctx);
	err = 0;
	n = attach_internal(a, ef, &p, path, pid, offs, FUNC_SSL_WRITE, FUNC_SSL_WRITE_EX);
	if (n >= 0)
		n += attach_internal(a, ef, &p, path, pid, offs, FUNC_SSL_READ, FUNC_SSL_READ_EX);
	probe_place_release();
	if (n < 0) {
		err = n;
		n = 0;
	}
	if (n)
		seen->lib = LIB_OPENSSL;
	for (int f = 1; f < FUNC__MAX && !err; f++) {
		uint64_t cookie = f | (p.layout_ok ? COOKIE_LAYOUT_OK : 0);

		if (!offs[f])
			continue;
		err = attach_one(a, p.entry, path, pid, offs[f], cookie, false);
		if (!err)
			err = attach_one(a, p.ret, path, pid, offs[f], cookie, true);
		if (!err) {
			seen->lib = tls_func_info(f)->lib;
			n += 2;
		}
	}
	seen->needs_syscalls = n && (!p.layout_ok || seen->lib != LIB_OPENSSL);
	if (n && log_verbose)
		attach_log(path, pid, n, &d, p.layout_ok);
out_close:
	elf_file__close(ef);
	return err ? err : n;
}

size_t attacher__nr_probes(const struct attacher *a)
{
	return a->nr_probes;
}

size_t attacher__nr_files(const struct attacher *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->nr_files; i++)
		n += a->files[i].lib != 0;
	return n;
}

size_t attacher__nr_files_of(const struct attacher *a, enum tls_library lib)
{
	size_t n = 0;

	for (size_t i = 0; i < a->nr_files; i++)
		n += a->files[i].lib == lib;
	return n;
}
