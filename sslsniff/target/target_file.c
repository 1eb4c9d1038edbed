// SPDX-License-Identifier: GPL-2.0
/*
 * The files sslsniff attaches to, each examined once: opened (pinned),
 * its hooked functions found, its library and version detected, and
 * OpenSSL's wrapper pairs placed at their internal function.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <dwarf.h>
#include "lib/hashset.h"
#include "lib/log.h"
#include "target/elf_file.h"
#include "target/go_dwarf_type.h"
#include "target/go_pclntab.h"
#include "target/go_types.h"
#include <bpf/btf.h>
#include "btf/btf_cache.h"
#include "btf/layout.h"
#include "target/target_file.h"

struct target_files {
	struct target_opts opts;
	struct hashmap tls;		/* inode keys -> struct target_file */
	struct hashset plain;		/* inode keys of files that hook nothing */
	struct hashset transport;	/* ... of those, the ones importing own_transport[] */
	struct hashset not_elf;		/* ... of those, the ones that are no usable ELF */
	struct target_file **all;
	size_t nr, cap;
};

/* OpenSSL imports of a program or library that hands OpenSSL its own transport. */
static const char *const own_transport[] = { "BIO_meth_new", "SSL_set_bio" };

struct target_files *target_files__new(const struct target_opts *opts)
{
	struct target_files *t = calloc(1, sizeof(*t));

	if (t)
		t->opts = *opts;
	return t;
}

void target_files__free(struct target_files *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nr; i++) {
		if (t->all[i]->fd >= 0)
			close(t->all[i]->fd);
		free(t->all[i]);
	}
	free(t->all);
	hashmap_free(&t->tls);
	hashset_free(&t->plain);
	hashset_free(&t->transport);
	hashset_free(&t->not_elf);
	free(t);
}

/* A file by inode: as the kernel says (fstat), or as /proc/PID/maps says. */
static uint64_t inode_key(unsigned int major, unsigned int minor, unsigned long ino)
{
	uint64_t k[2] = { (uint64_t)major << 32 | minor, ino };

	return hashset_key(k, sizeof(k));
}

static uint64_t maps_key(const struct discover_file *f)
{
	return inode_key(f->major, f->minor, f->ino);
}

static bool func_wanted(const struct target_files *t, const struct tls_func_info *fi,
			enum tls_library lib)
{
	if (lib && fi->lib != lib)
		return false;
	if (!(t->opts.libs & (1U << fi->lib)))
		return false;
	/* -i: every function is placed; attach.c attaches the key points
	 * for all, the reads and writes for a process whose handshake was
	 * not seen (ATTACH_CALLS). */
	if (t->opts.wire)
		return true;
	if (fi->func == FUNC_GO_WRITE_KEY_LOG)
		return t->opts.keylog;
	if (fi->func == FUNC_GNUTLS_HANDSHAKE)
		return false;
	return fi->func != FUNC_SSL_DO_HANDSHAKE || t->opts.handshake;
}

/*
 * The Go functions of NAMES that the symbols lack (a stripped Go
 * executable, `-ldflags='-s -w'`), from its pclntab, in a file that is
 * Go (its build info, or --lib go:). How many, or 0.
 */
static int target_find_go(struct elf_file *ef, struct target_file *tf, const char **names,
			  const char *path, enum tls_library lib)
{
	const char *go[FUNC__MAX] = { "" }, *why;
	uint64_t vaddr, size;
	bool any = false;
	int n;

	for (int f = 1; f < FUNC__MAX; f++) {
		const struct tls_func_info *fi = tls_func_info(f);

		go[f] = fi && fi->lib == LIB_GO && !tf->offs[f] ? names[f] : "";
		any |= go[f][0] != '\0';
	}
	if (!any || (lib != LIB_GO && elf_file__section(ef, ".go.buildinfo", &vaddr, &size)))
		return 0;
	n = go_pclntab_find_funcs(ef, go, FUNC__MAX, tf->offs, &why);
	if (n < 0 && n != -ENOMEM)
		p_warn("'%s': Go: %s: its crypto/tls functions not found", path,
		       n == -ENOENT ? "no .gopclntab" : why);
	tf->go_pclntab = n > 0;
	return n > 0 ? n : 0;
}

/* The hooked functions EF defines, into TF->offs. Returns how many, or -errno. */
static int target_find_funcs(const struct target_files *t, struct elf_file *ef,
			     struct target_file *tf, const char *path, enum tls_library lib)
{
	const char *names[FUNC__MAX];
	int n;

	names[0] = "";	/* never matches a symbol */
	for (int f = 1; f < FUNC__MAX; f++) {
		const struct tls_func_info *fi = tls_func_info(f);

		names[f] = fi && func_wanted(t, fi, lib) ? fi->symbol : "";
	}
	n = elf_file__find_funcs(ef, names, FUNC__MAX, tf->offs);
	return n < 0 ? n : n + target_find_go(ef, tf, names, path, lib);
}

static bool func_is_go(int f)
{
	return tls_func_info(f) && tls_func_info(f)->lib == LIB_GO;
}

/*
 * OpenSSL's wrapper pair PLAIN/EX at the internal function both call, where
 * probe_place.c is certain of it; else both keep their entries.
 */
static void target_place_pair(struct target_file *tf, struct elf_file *ef, enum wrapper_pair pair,
			      enum tls_func plain, enum tls_func ex)
{
	if (!tf->offs[plain] || !tf->offs[ex])
		return;
	if (probe_place_internal(ef, tf->offs[plain], tf->offs[ex], &tf->site[pair])) {
		p_debug("attach: '%s': %s and %s probed at their entries: no internal function "
			"both call for certain", tf->path, tls_func_info(plain)->symbol,
			tls_func_info(ex)->symbol);
		return;
	}
	tf->has_site[pair] = true;
	tf->offs[plain] = tf->offs[ex] = 0;
}

/*
 * An internal site whose returns are not certain: back to the wrappers'
 * entries (OFFS, as they were), whose returns are looked for next.
 */
static void target_returns_site(struct target_file *tf, struct elf_file *ef,
				enum wrapper_pair pair, enum tls_func plain, enum tls_func ex,
				const uint64_t *offs)
{
	struct probe_returns *r = &tf->site_rets[pair];

	if (!tf->has_site[pair] || !probe_place_returns(ef, tf->site[pair].fn, r))
		return;
	p_debug("attach: '%s': %s and %s probed at their entries: their internal function's "
		"returns are not certain (%s at +0x%llx)", tf->path, tls_func_info(plain)->symbol,
		tls_func_info(ex)->symbol, r->why, (unsigned long long)r->why_at);
	tf->has_site[pair] = false;
	tf->offs[plain] = offs[plain];
	tf->offs[ex] = offs[ex];
}

/*
 * Return-instruction probes for every probed function: where one's
 * returns are not certain, a uretprobe (--return-probes=insn) or, where
 * uretprobes are not safe, no probe at all; said once per function.
 */
static void target_returns(const struct target_files *t, struct target_file *tf,
			   struct elf_file *ef, const uint64_t *offs)
{
	bool only = t->opts.ret_probes == RET_PROBES_INSN_ONLY;

	target_returns_site(tf, ef, PAIR_WRITE, FUNC_SSL_WRITE, FUNC_SSL_WRITE_EX, offs);
	target_returns_site(tf, ef, PAIR_READ, FUNC_SSL_READ, FUNC_SSL_READ_EX, offs);
	for (int f = 1; f < FUNC__MAX; f++) {
		struct probe_returns *r = &tf->rets[f];

		if (func_is_go(f) || !tf->offs[f] || !probe_place_returns(ef, tf->offs[f], r))
			continue;
		p_warn("'%s': %s's returns are not certain (%s at +0x%llx): %s", tf->path,
		       tls_func_info(f)->symbol, r->why, (unsigned long long)r->why_at,
		       only ? "not probed, as a uretprobe is not safe under seccomp here"
			    : "probed with a uretprobe");
		if (only)
			tf->offs[f] = 0;
	}
}

/*
 * Go's functions: only in a Go executable of the register ABI (1.17+ on
 * x86-64), and always with return-instruction probes: Go moves goroutine
 * stacks, and a uretprobe's replaced return address breaks the runtime's
 * unwinder (tracebacks, stack growth). Where the returns are not certain,
 * no probe.
 */
static void target_place_go(struct target_file *tf, struct elf_file *ef)
{
	const struct tls_detect *d = &tf->det;
	bool refused = d->lib != LIB_GO || !d->go_register_abi;
#if !defined(__x86_64__)
	refused = true;
#endif

	if (!tf->offs[FUNC_GO_TLS_READ] && !tf->offs[FUNC_GO_TLS_WRITE] &&
	    !tf->offs[FUNC_GO_WRITE_KEY_LOG])
		return;
	if (refused) {
		p_warn("'%s': Go %s: not attached: only Go 1.17 and later on x86-64 (the register "
		       "ABI) is supported", tf->path, d->version[0] ? d->version : "of unknown version");
		tf->offs[FUNC_GO_TLS_READ] = tf->offs[FUNC_GO_TLS_WRITE] = 0;
		tf->offs[FUNC_GO_WRITE_KEY_LOG] = 0;
		return;
	}
	for (int f = FUNC_GO_TLS_READ; f <= FUNC_GO_TLS_WRITE; f++) {
		struct probe_returns *r = &tf->rets[f];

		if (!tf->offs[f] || !probe_place_returns(ef, tf->offs[f], r))
			continue;
		p_warn("'%s': %s's returns are not certain (%s at +0x%llx): not probed (a uretprobe "
		       "breaks Go's stack unwinding)", tf->path, tls_func_info(f)->symbol, r->why,
		       (unsigned long long)r->why_at);
		tf->offs[f] = 0;
	}
}

/* *net.TCPConn's type descriptor from the runtime's tables, read with
 * the layout the probes will read the structs with. */
static int target_go_type(const struct target_file *tf, struct elf_file *ef, uint64_t *addr,
			  const char **why)
{
	struct btf_db *db = btf_db__open(NULL);
	struct btf *btf = NULL;
	struct layout_choice c;
	int err;

	if (layout_choose(db, NULL, &tf->det, &c))
		btf = btf_cache_parse(c.btf);
	btf_db__free(db);
	err = go_types_find_ptr(ef, btf, "*net.TCPConn", addr, why);
	btf__free(btf);
	return err;
}

/*
 * Where a Go Conn's transport is a *net.TCPConn, the probes may follow it
 * to its socket (bpf/go.bpf.h), told by its net.Conn itab: the one the
 * linker made (go:itab.*net.TCPConn,net.Conn in .symtab, go.itab.... up to
 * 1.19; the runtime finds that one for every conversion, so its address is
 * the dynamic type's); where the linker names none (Go 1.27), by the itab's
 * type word against *net.TCPConn's descriptor (runtime.types plus its
 * DWARF's DW_AT_go_runtime_type: TF->go_by_type). As a distance from each
 * Go function, which a probe adds to its own address: exact in a PIE too.
 * A stripped executable (no .symtab, no DWARF) has neither: the type
 * descriptor then comes from the runtime's own tables (go_types.h: the
 * moduledata's typelinks, or 1.27's itabs). Without it, the fd comes from
 * the syscalls.
 */
static void target_go_itab(struct target_file *tf, struct elf_file *ef)
{
	static const char *const names[] = { "go:itab.*net.TCPConn,net.Conn",
					     "go.itab.*net.TCPConn,net.Conn" };
	uint64_t addr = 0, types, off, fn;
	const char *why = NULL;
	int64_t delta;

	if (tf->det.lib != LIB_GO)
		return;
	for (size_t i = 0; i < 2 && elf_file__symbol(ef, names[i], &addr); i++)
		;
	tf->go_conn_from = addr ? "its itab in .symtab" : NULL;
	if (!addr && !elf_file__symbol(ef, "runtime.types", &types) &&
	    !go_dwarf_type(elf_file__fd(ef), DW_TAG_pointer_type, "*net.TCPConn", &off)) {
		addr = types + off;
		tf->go_by_type = true;
		tf->go_conn_from = "its type descriptor, from DWARF";
	}
	if (!addr && !target_go_type(tf, ef, &addr, &why)) {
		tf->go_by_type = true;
		tf->go_conn_from = "its type descriptor, from the runtime's tables";
	}
	for (int f = FUNC_GO_TLS_READ; f <= FUNC_GO_TLS_WRITE && addr; f++) {
		if (!tf->offs[f] || elf_file__text_vaddr(ef, tf->offs[f], &fn))
			continue;
		delta = (int64_t)(addr - fn);
		if (delta && delta >= INT32_MIN && delta <= INT32_MAX)
			tf->go_tcpconn_itab[f] = delta;
	}
	if (!addr)
		p_debug("'%s': no itab or type of *net.TCPConn (%s): the fd from the syscalls",
			tf->path, why ? why : "no symbol or DWARF");
}

static void target_place(const struct target_files *t, struct target_file *tf,
			 struct elf_file *ef)
{
	uint64_t offs[FUNC__MAX];

	target_place_go(tf, ef);
	target_go_itab(tf, ef);
	memcpy(offs, tf->offs, sizeof(offs));
	if (!t->opts.probe_entry) {
		target_place_pair(tf, ef, PAIR_WRITE, FUNC_SSL_WRITE, FUNC_SSL_WRITE_EX);
		target_place_pair(tf, ef, PAIR_READ, FUNC_SSL_READ, FUNC_SSL_READ_EX);
	}
	if (t->opts.ret_probes == RET_PROBES_INSN || t->opts.ret_probes == RET_PROBES_INSN_ONLY)
		target_returns(t, tf, ef, offs);
	probe_place_release();
}

static int target_keep(struct target_files *t, struct target_file *tf, uint64_t key,
		       uint64_t key2)
{
	if (t->nr == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct target_file **a = realloc(t->all, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		t->all = a;
		t->cap = cap;
	}
	if (hashmap_put(&t->tls, key, tf) || (key2 && hashmap_put(&t->tls, key2, tf)))
		return -ENOMEM;
	t->all[t->nr++] = tf;
	return 0;
}

/* A file that hooks nothing: remembered by its keys, and what it imports. */
static void target_mark_plain(struct target_files *t, struct elf_file *ef, uint64_t key,
			      uint64_t key2)
{
	bool transport = ef && elf_file__imports_any(ef, own_transport, sizeof(own_transport) /
									sizeof(own_transport[0]));

	hashset_add(&t->plain, key);
	if (key2)
		hashset_add(&t->plain, key2);
	if (transport) {
		hashset_add(&t->transport, key);
		if (key2)
			hashset_add(&t->transport, key2);
	}
}

static struct target_file *target_fail(int fd, int err)
{
	close(fd);
	errno = err;
	return NULL;
}

/* Another path (or maps identity) KEY2 to the file of KEY, seen before. */
static struct target_file *target_known(struct target_files *t, int fd, uint64_t key,
					uint64_t key2)
{
	struct target_file *tf = hashmap_get(&t->tls, key);

	if (key2 && tf)
		hashmap_put(&t->tls, key2, tf);
	else if (key2)
		target_mark_plain(t, NULL, key2, 0);
	close(fd);
	errno = !tf && hashset_has(&t->not_elf, key) ? ENOEXEC : 0;
	return tf;
}

struct crypto_walk {
	struct tls_detect *det;
	bool found;
};

/* The process's mapping of the libcrypto that the libssl needs. */
static int target_crypto_mapped(const struct discover_file *f, void *arg)
{
	struct crypto_walk *cw = arg;
	const char *base = strrchr(f->path, '/');
	char name[PATH_MAX + 64];
	int fd;

	if (!base || strcmp(base + 1, cw->det->crypto_needed))
		return 0;
	fd = discover_open(f, name, sizeof(name));
	if (fd < 0)
		return 0;
	close(fd);
	cw->found = !detect_version_from(cw->det, name);
	return cw->found;
}

/* TF's library, version and probe points, from its ELF file EF, mapped as F. */
static void target_analyse(const struct target_files *t, struct target_file *tf,
			   struct elf_file *ef, const struct discover_file *f, enum tls_library lib)
{
	struct tls_detect *d = &tf->det;
	struct crypto_walk cw = { .det = d };

	detect_tls(ef, tf->path, d);
	if (lib)
		d->lib = lib;
	/* A libssl whose libcrypto is not beside it (both deleted by an
	 * upgrade, a copy elsewhere): the one its process maps. */
	if (d->lib == LIB_OPENSSL && d->shared_openssl && !d->version[0] && f && f->pid > 0)
		discover_process(f->pid, target_crypto_mapped, &cw);
	target_place(t, tf, ef);
}

/* Whether EF defines any TLS library's functions at all, whichever are hooked. */
static bool target_has_tls(struct elf_file *ef)
{
	static const char *const markers[] = { "SSL_write", "gnutls_record_send", "PR_Write" };
	uint64_t offs[3];

	return elf_file__find_funcs(ef, markers, 3, offs) > 0;
}

/*
 * Examines the open file FD (owned from here), found at NAME as F, whose
 * inode /proc/PID/maps gave as KEY2 (0: none). The object, NULL with errno 0 for
 * a file that hooks nothing, NULL with errno set on failure.
 */
static struct target_file *target_examine(struct target_files *t, int fd, const char *name,
					  const struct discover_file *f, uint64_t key2,
					  enum tls_library lib)
{
	struct target_file *tf;
	struct elf_file *ef;
	struct stat st;
	uint64_t key;
	int n;

	if (fstat(fd, &st))
		return target_fail(fd, errno);
	key = inode_key(major(st.st_dev), minor(st.st_dev), st.st_ino);
	if (hashmap_get(&t->tls, key) || hashset_has(&t->plain, key))
		return target_known(t, fd, key, key2);
	ef = elf_file__from_fd(fd);
	if (!ef) {
		target_mark_plain(t, NULL, key, key2);	/* not ELF: not again */
		hashset_add(&t->not_elf, key);
		return target_fail(fd, ENOEXEC);
	}
	tf = calloc(1, sizeof(*tf));
	n = tf ? target_find_funcs(t, ef, tf, name, lib) : -ENOMEM;
	if (n <= 0) {
		if (n == 0)
			target_mark_plain(t, ef, key, key2);
		/* Once, as the file is marked: a libssl cut short, or a decoy. */
		if (n == 0 && f && f->named_tls && !target_has_tls(ef))
			p_warn("discover: '%s': named like a TLS library but defines none of its "
			       "functions; not attached", name);
		elf_file__close(ef);
		free(tf);
		return target_fail(fd, -n);
	}
	tf->fd = fd;
	tf->dev = st.st_dev;
	tf->ino = st.st_ino;
	snprintf(tf->path, sizeof(tf->path), "%s", name);
	target_analyse(t, tf, ef, f, lib);
	elf_file__close(ef);
	if (target_keep(t, tf, key, key2)) {
		close(tf->fd);
		free(tf);
		errno = ENOMEM;
		return NULL;
	}
	errno = 0;
	return tf;
}

struct target_file *target_files__get(struct target_files *t, const struct discover_file *f,
				      enum tls_library lib)
{
	char name[PATH_MAX + 64];
	uint64_t key2 = f->pid > 0 ? maps_key(f) : 0;
	struct target_file *tf;
	int fd;

	if (key2) {
		tf = hashmap_get(&t->tls, key2);
		if (tf || hashset_has(&t->plain, key2)) {
			errno = 0;
			return tf;
		}
	}
	fd = discover_open(f, name, sizeof(name));
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	return target_examine(t, fd, name, f, key2, lib);
}

struct target_file *target_files__get_path(struct target_files *t, const char *path,
					   enum tls_library lib)
{
	struct discover_file f = { .path = path, .pid = -1 };

	return target_files__get(t, &f, lib);
}

bool target_files__gives_transport(const struct target_files *t, const struct discover_file *f)
{
	return f->pid > 0 && hashset_has(&t->transport, maps_key(f));
}

bool target_file_needs_syscalls(const struct target_file *tf)
{
	return tf->nr_probes && (!tf->progs.layout_ok || tf->det.lib != LIB_OPENSSL);
}

size_t target_files__nr_tls(const struct target_files *t, enum tls_library lib)
{
	size_t n = 0;

	for (size_t i = 0; i < t->nr; i++)
		n += t->all[i]->nr_probes && (!lib || t->all[i]->det.lib == lib);
	return n;
}
