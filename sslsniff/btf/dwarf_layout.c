// SPDX-License-Identifier: GPL-2.0
/* A library's layout generated from its own DWARF at start-up. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "btf/btf_cache.h"
#include "btf/core_btf.h"
#include "btf/dwarf_btf.h"
#include "btf/dwarf_layout.h"
#include "lib/digest.h"
#include "lib/fs_open.h"
#include "lib/log.h"

#define CACHE_NAME	"dwarf-btf.v2"

/* The structs bpf/{openssl,gnutls,nspr}.bpf.h read, by the file defining them. */
static const char *const libssl_roots[] = { "ssl_st", "ssl_connection_st", "ssl_session_st",
					    "ssl_cipher_st", "ssl3_state_st", NULL };
static const char *const libcrypto_roots[] = { "bio_st", "bio_method_st", NULL };
/* GnuTLS's ALPN data (alpn_ext_st) is reached from the session only
 * through a void *, and by an index of enum extensions_t: roots of their own. */
static const char *const gnutls_roots[] = { "gnutls_session_int", "version_entry_st",
					    "gnutls_cipher_suite_entry_st", "alpn_ext_st",
					    "extensions_t", NULL };
static const char *const nspr_roots[] = { "PRFilePrivate", NULL };
/* bpf/go.bpf.h's, by their Go names (go_crypto_tls__Conn, ... in BTF):
 * the itab is runtime.itab up to Go 1.21, internal/abi.ITab after; and
 * runtime.moduledata, whose field offsets target/go_types.c reads. */
static const char *const go_roots[] = { "crypto/tls.Conn", "net.TCPConn", "net.netFD",
					"internal/poll.FD", "runtime.itab", "internal/abi.ITab",
					"runtime.moduledata", NULL };

/*
 * Debug files are looked for in the file's own root: a container's library
 * (/proc/PID/root/...) has its debug files in the container.
 */
static void debug_root_of(const char *file, char *out, size_t size)
{
	const char *p = file;
	int pid, n = 0;

	if (sscanf(p, "/proc/%d/root/%n", &pid, &n) == 1 && n > 0)
		snprintf(out, size, "%.*susr/lib/debug", n, file);
	else
		out[0] = '\0';
}

static int find_debug(const char *file, char *out, size_t size)
{
	char root[PATH_MAX];

	debug_root_of(file, root, sizeof(root));
	return dwarf_btf_find_debug_in(file, root[0] ? root : NULL, out, size);
}

/* The detected file's own: read through its pinned fd where there is one. */
static int find_debug_of(const struct tls_detect *d, char *out, size_t size)
{
	char root[PATH_MAX];

	if (d->fd < 0)
		return find_debug(d->file, out, size);
	debug_root_of(d->file, root, sizeof(root));
	return dwarf_btf_find_debug_fd(d->fd, d->file, root[0] ? root : NULL, out, size);
}

/* The most of a debug file copied to memory (libssl's is ~6 MB). */
#define SNAPSHOT_MAX	(256U << 20)

/* The files a layout is generated from, each opened once, then copied
 * to memory to generate it (layout_src_snapshot()). */
struct layout_src {
	int dbg;		/* the library's DWARF: its debug file, or the library */
	int crypto_dbg;		/* OpenSSL: libcrypto's, for bio_st; else -1 */
	char dbg_path[32], crypto_path[32];	/* /proc/self/fd/N */
};

static void src_name(int fd, char *self, size_t size)
{
	snprintf(self, size, "/proc/self/fd/%d", fd);
}

static int src_open(const char *path, int *fd, char *self, size_t size)
{
	*fd = fs_open(path);
	if (*fd < 0)
		return *fd;
	src_name(*fd, self, size);
	return 0;
}

static void src_close(struct layout_src *s)
{
	if (s->dbg >= 0)
		close(s->dbg);
	if (s->crypto_dbg >= 0)
		close(s->crypto_dbg);
}

static int copy_all(int from, int to, off_t size)
{
	char buf[1 << 16];
	off_t at = 0;

	while (at < size) {
		ssize_t n = pread(from, buf, sizeof(buf), at), w;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;	/* shorter now: what there is */
		for (ssize_t done = 0; done < n; done += w) {
			w = write(to, buf + done, n - done);
			if (w < 0)
				return -errno;
		}
		at += n;
	}
	return 0;
}

/* *FD replaced by a copy of it in memory, that no one else can change. */
static int src_copy(int *fd, char *self, size_t size)
{
	struct stat st;
	int mfd, err;

	if (fstat(*fd, &st))
		return -errno;
	if ((uint64_t)st.st_size > SNAPSHOT_MAX)
		return -EFBIG;
	mfd = memfd_create("sslsniff-dwarf", MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	err = copy_all(*fd, mfd, st.st_size);
	if (err) {
		close(mfd);
		return err;
	}
	close(*fd);
	*fd = mfd;
	src_name(mfd, self, size);
	return 0;
}

/*
 * S's files copied to memory: a container owns its debug files and may
 * rewrite one in place while it is read, and the layout made must be that
 * of the very bytes its key was taken from.
 */
static int layout_src_snapshot(struct layout_src *s)
{
	int err = src_copy(&s->dbg, s->dbg_path, sizeof(s->dbg_path));

	if (!err && s->crypto_dbg >= 0)
		err = src_copy(&s->crypto_dbg, s->crypto_path, sizeof(s->crypto_path));
	return err;
}

/*
 * OpenSSL's layout needs libssl's structs (from S->dbg, libssl's debug
 * file) and libcrypto's BIO, from libcrypto's own debug file.
 */
static int generate_openssl(const struct layout_src *s, const char *out)
{
	char ssl[PATH_MAX + 80], crypto[PATH_MAX + 80];
	const char *parts[] = { ssl, crypto };
	int err;

	snprintf(ssl, sizeof(ssl), "%s.ssl", out);
	snprintf(crypto, sizeof(crypto), "%s.crypto", out);
	err = dwarf_btf_generate(s->dbg_path, libssl_roots, ssl);
	if (!err)
		err = dwarf_btf_generate(s->crypto_path, libcrypto_roots, crypto);
	if (!err)
		err = core_btf_concat(parts, 2, out);
	unlink(ssl);
	unlink(crypto);
	return err;
}
/*
 * What the program's guarded paths need once their first type exists: a
 * layout missing the rest would not load.
 */
static bool has_roots(const char *path, enum tls_library lib)
{
	static const char *const need[][4] = {
		[LIB_OPENSSL] = { "ssl_st", "bio_st", "bio_method_st", "ssl_session_st" },
		[LIB_GNUTLS] = { "gnutls_session_int", "version_entry_st",
				 "gnutls_cipher_suite_entry_st" },
		[LIB_NSS] = { "PRFilePrivate" },
		[LIB_GO] = { "go_crypto_tls__Conn", "go_net__TCPConn", "go_net__netFD" },
	};
	struct btf *btf = btf__parse(path, NULL);
	bool ok = btf != NULL;

	for (int i = 0; ok && i < 4 && need[lib][i]; i++) {
		const char *name = need[lib][i];

		ok = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT) > 0 ||
		     btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
	}
	btf__free(btf);
	return ok;
}

static const char *const *roots_of(enum tls_library lib)
{
	switch (lib) {
	case LIB_OPENSSL:
		return libssl_roots;
	case LIB_GNUTLS:
		return gnutls_roots;
	case LIB_NSS:
		return nspr_roots;
	case LIB_GO:
		return go_roots;
	default:
		return NULL;
	}
}

/*
 * The cache key of D's layout made from S: the encoder and what it is
 * asked for, and the contents of the library and of each file its DWARF
 * comes from. Layouts are made from copies of those files (the key taken
 * again from the copies), so that an entry is what its key says; two roots
 * with the same files (a container of the host's distribution) may then
 * share one, and the root needs no place in the key.
 */
static int layout_key(const struct tls_detect *d, const struct layout_src *s,
		      uint8_t key[DIGEST_LEN])
{
	const char *const *roots = roots_of(d->lib);
	struct digest *h = digest__new();
	int err;

	if (!h)
		return -ENOMEM;
	digest__add_str(h, DWARF_BTF_ENCODER);
	digest__add_str(h, tls_library_name(d->lib));
	for (size_t i = 0; roots && roots[i]; i++)
		digest__add_str(h, roots[i]);
	err = digest__add_fd(h, d->fd);
	if (!err)
		err = digest__add_fd(h, s->dbg);
	if (!err && s->crypto_dbg >= 0)
		err = digest__add_fd(h, s->crypto_dbg);
	if (!err)
		return digest__end(h, key);
	digest__end(h, key);
	return err;
}

/* S's files, for D: its debug file DBG, and for OpenSSL libcrypto's. */
static int layout_src_open(const struct tls_detect *d, const char *dbg, struct layout_src *s)
{
	char crypto_dbg[PATH_MAX];
	int err;

	s->dbg = s->crypto_dbg = -1;
	if (d->lib == LIB_OPENSSL &&
	    (!d->shared_openssl || !d->version_file[0] ||
	     find_debug(d->version_file, crypto_dbg, sizeof(crypto_dbg))))
		return -ENOENT;
	err = src_open(dbg, &s->dbg, s->dbg_path, sizeof(s->dbg_path));
	if (!err && d->lib == LIB_OPENSSL)
		err = src_open(crypto_dbg, &s->crypto_dbg, s->crypto_path, sizeof(s->crypto_path));
	return err;
}

/* D's layout from S, generated into the entry KEY of C. 0 or -errno. */
static int generate(const struct btf_cache *c, const uint8_t key[DIGEST_LEN],
		    const struct tls_detect *d, const struct layout_src *s, const char *from)
{
	char tmp[PATH_MAX + 64], hex[DIGEST_HEX_LEN];
	struct btf *btf = NULL;
	const void *raw = NULL;
	__u32 len = 0;
	int err;

	digest_hex(key, hex);
	/* Threads (the exec watcher's, the main one) may make the same at once. */
	snprintf(tmp, sizeof(tmp), "%s/.%.16s.%d.%d.gen", c->dir, hex, getpid(), gettid());
	if (d->lib == LIB_OPENSSL)
		err = generate_openssl(s, tmp);
	else
		err = dwarf_btf_generate(s->dbg_path, roots_of(d->lib), tmp);
	if (!err && !has_roots(tmp, d->lib)) {
		p_info("btf: the DWARF of '%s' lacks structs sslsniff reads; not used", from);
		err = -ENOENT;
	}
	if (!err) {
		btf = btf__parse(tmp, NULL);
		raw = btf ? btf__raw_data(btf, &len) : NULL;
		err = raw ? 0 : -EINVAL;
	}
	if (!err)
		err = btf_cache__put(c, key, raw, len);
	btf__free(btf);
	unlink(tmp);
	return err;
}

int dwarf_layout_btf(const struct tls_detect *d, char *out, size_t size, char *from,
		     size_t from_size)
{
	uint8_t key[DIGEST_LEN];
	struct layout_src s;
	struct btf_cache c;
	char dbg[PATH_MAX];
	int err;

	/* Cheap first: most libraries have no debug info at all. Go's linker
	 * writes no GNU build-id: its DWARF is in the executable or nowhere. */
	if ((!d->build_id[0] && d->lib != LIB_GO) || !roots_of(d->lib) || d->fd < 0 ||
	    find_debug_of(d, dbg, sizeof(dbg)))
		return -ENOENT;
	/* The library's own DWARF is read through its pinned fd: named by its path. */
	snprintf(from, from_size, "%s", strncmp(dbg, "/proc/self/fd/", 14) ? dbg : d->file);
	err = layout_src_open(d, dbg, &s);
	if (!err)
		err = layout_key(d, &s, key);
	if (err) {
		if (err != -ENOENT)
			p_info("btf: '%s': %s; its DWARF is not used", from, strerror(-err));
		src_close(&s);
		return -ENOENT;
	}
	/* No cache to keep it in: no generated layout (btf-db's is used). */
	err = btf_cache__open(&c, CACHE_NAME);
	if (!err && btf_cache__get(&c, key, NULL, NULL)) {
		err = layout_src_snapshot(&s);
		if (!err)
			err = layout_key(d, &s, key);
		if (err)
			p_info("btf: '%s': %s; its DWARF is not used", from, strerror(-err));
		else
			err = generate(&c, key, d, &s, from);
	}
	if (!err) {
		btf_cache__path(&c, key, out, size);
		p_debug("btf: '%s', from the DWARF of '%s'", out, from);
	}
	btf_cache__close(&c);
	src_close(&s);
	return err ? -ENOENT : 0;
}
