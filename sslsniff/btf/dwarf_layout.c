// SPDX-License-Identifier: GPL-2.0
/* A library's layout generated from its own DWARF at start-up. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "btf/core_btf.h"
#include "btf/dwarf_btf.h"
#include "btf/dwarf_layout.h"
#include "lib/log.h"

#define CACHE_DIR	"/var/cache/sslsniff/dwarf-btf"

/* The structs bpf/{openssl,gnutls,nspr}.bpf.h read, by the file defining them. */
static const char *const libssl_roots[] = { "ssl_st", "ssl_connection_st", "ssl_session_st",
					    "ssl_cipher_st", "ssl3_state_st", NULL };
static const char *const libcrypto_roots[] = { "bio_st", "bio_method_st", NULL };
static const char *const gnutls_roots[] = { "gnutls_session_int", "version_entry_st",
					    "gnutls_cipher_suite_entry_st", NULL };
static const char *const nspr_roots[] = { "PRFilePrivate", NULL };

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

/*
 * OpenSSL's layout needs libssl's structs (from DBG, libssl's debug file)
 * and libcrypto's BIO, from libcrypto's own debug file.
 */
static int generate_openssl(const char *dbg, const struct tls_detect *d, const char *out)
{
	char ssl[PATH_MAX + 8], crypto[PATH_MAX + 8], crypto_dbg[PATH_MAX];
	const char *parts[] = { ssl, crypto };
	int err;

	if (!d->shared_openssl || !d->version_file[0] ||
	    find_debug(d->version_file, crypto_dbg, sizeof(crypto_dbg)))
		return -ENOENT;
	snprintf(ssl, sizeof(ssl), "%s.ssl", out);
	snprintf(crypto, sizeof(crypto), "%s.crypto", out);
	err = dwarf_btf_generate(dbg, libssl_roots, ssl);
	if (!err)
		err = dwarf_btf_generate(crypto_dbg, libcrypto_roots, crypto);
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

int dwarf_layout_btf(const struct tls_detect *d, char *out, size_t size, char *from,
		     size_t from_size)
{
	char dbg[PATH_MAX];
	int err;

	/* Cheap first: most libraries have no debug info at all. */
	if (!d->build_id[0] || find_debug_of(d, dbg, sizeof(dbg)))
		return -ENOENT;
	snprintf(out, size, "%s/%s-%s.btf", CACHE_DIR, tls_library_name(d->lib), d->build_id);
	/* The library's own DWARF is read through its pinned fd: named by its path. */
	snprintf(from, from_size, "%s", strncmp(dbg, "/proc/self/fd/", 14) ? dbg : d->file);
	if (!access(out, R_OK))
		return 0;
	if ((mkdir("/var/cache/sslsniff", 0700) && errno != EEXIST) ||
	    (mkdir(CACHE_DIR, 0700) && errno != EEXIST)) {
		err = -errno;
		p_err("btf: cannot create %s: %s", CACHE_DIR, strerror(-err));
		return err;
	}
	switch (d->lib) {
	case LIB_OPENSSL:
		err = generate_openssl(dbg, d, out);
		break;
	case LIB_GNUTLS:
		err = dwarf_btf_generate(dbg, gnutls_roots, out);
		break;
	case LIB_NSS:
		err = dwarf_btf_generate(dbg, nspr_roots, out);
		break;
	default:
		err = -ENOENT;
	}
	if (!err && !has_roots(out, d->lib)) {
		p_info("btf: the DWARF of '%s' lacks structs sslsniff reads; not used", from);
		unlink(out);
		err = -ENOENT;
	}
	if (!err)
		p_debug("btf: generated '%s' from the DWARF of '%s'", out, from);
	return err;
}
