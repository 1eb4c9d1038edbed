// SPDX-License-Identifier: GPL-2.0
/* Version detection: which TLS library a file is, and which version. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "target/detect.h"
#include "target/elf_file.h"
#include "target/go_buildinfo.h"

/* One exported function that only this library defines. */
static const struct {
	enum tls_library lib;
	const char *symbol;
} markers[] = {
	{ LIB_OPENSSL, "SSL_write" },
	{ LIB_GNUTLS, "gnutls_record_send" },
	{ LIB_NSS, "PR_Write" },
};

#define NR_MARKERS (sizeof(markers) / sizeof(markers[0]))

struct version_scan {
	const char *prefix;	/* text right before the version, "" for a bare one */
	size_t min_dots;	/* "OpenSSL 3.0" in prose is not a version */
	char *out;
	size_t size;
};

/* Copies the version token at S ("3.0.19", "1.1.1w", "3.0.15+quic") if any. */
static bool take_version(const char *s, size_t len, size_t min_dots, char *out, size_t size)
{
	size_t n = 0, dots = 0;

	if (!len || !isdigit((unsigned char)s[0]))
		return false;
	while (n < len && (isalnum((unsigned char)s[n]) || s[n] == '.' || s[n] == '+')) {
		dots += s[n] == '.';
		n++;
	}
	if (dots < min_dots || n >= size)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

static int match_version(const char *s, size_t len, void *arg)
{
	struct version_scan *vs = arg;
	size_t plen = strlen(vs->prefix);
	const char *at;

	if (!plen) {
		/* A bare version string, such as NSPR's PR_VERSION "4.35". */
		return strspn(s, "0123456789.") == len &&
		       take_version(s, len, vs->min_dots, vs->out, vs->size);
	}
	at = memmem(s, len, vs->prefix, plen);
	return at && take_version(at + plen, len - (at + plen - s), vs->min_dots, vs->out,
				  vs->size);
}

static bool find_version_in(struct elf_file *ef, const char *prefix, char *out, size_t size)
{
	struct version_scan vs = { prefix, *prefix ? 2 : 1, out, size };

	return elf_file__for_each_string(ef, prefix, match_version, &vs) > 0;
}

/* The version text of another file (libcrypto's), opened in the same root. */
static bool find_version(const char *path, const char *prefix, char *out, size_t size)
{
	struct elf_file *ef = elf_file__open(path);
	bool found;

	if (!ef)
		return false;
	found = find_version_in(ef, prefix, out, size);
	elf_file__close(ef);
	return found;
}

/* OpenSSL's version text lives in libcrypto: look next to libssl. */
static void find_openssl_version(struct elf_file *ef, const char *path, struct tls_detect *d)
{
	const char *slash = strrchr(path, '/');
	const char *needed;

	for (size_t i = 0; (needed = elf_file__needed(ef, i)); i++) {
		if (strncmp(needed, "libcrypto.so", 12) || strchr(needed, '/'))
			continue;
		d->shared_openssl = true;
		snprintf(d->crypto_needed, sizeof(d->crypto_needed), "%s", needed);
		/* 1.1.1's libssl carries the version text itself, 3.x's does not. */
		if (find_version_in(ef, "OpenSSL ", d->version, sizeof(d->version))) {
			snprintf(d->version_file, sizeof(d->version_file), "%s", path);
			return;
		}
		snprintf(d->version_file, sizeof(d->version_file), "%.*s%s",
			 slash ? (int)(slash - path + 1) : 0, path, needed);
		if (find_version(d->version_file, "OpenSSL ", d->version, sizeof(d->version)))
			return;
		d->version_file[0] = '\0';
		return;
	}
	/* OpenSSL built into an executable (node): the text is in it. */
	if (find_version_in(ef, "OpenSSL ", d->version, sizeof(d->version)))
		snprintf(d->version_file, sizeof(d->version_file), "%s", path);
}

/* A Go executable: its version ("1.19.8") and module from the build info. */
static bool detect_go(struct elf_file *ef, struct tls_detect *d)
{
	struct go_buildinfo bi;
	const char *v;

	if (go_buildinfo_read(ef, &bi))
		return false;
	v = strncmp(bi.version, "go", 2) ? bi.version : bi.version + 2;
	d->lib = LIB_GO;
	snprintf(d->version, sizeof(d->version), "%.*s", (int)sizeof(d->version) - 1, v);
	snprintf(d->version_file, sizeof(d->version_file), "%s", d->file);
	snprintf(d->go_module, sizeof(d->go_module), "%s", bi.module);
	d->go_register_abi = go_buildinfo_register_abi(&bi);
	return true;
}

int detect_tls(struct elf_file *ef, const char *path, struct tls_detect *d)
{
	const char *names[NR_MARKERS];
	uint64_t offs[NR_MARKERS];
	int err;

	memset(d, 0, sizeof(*d));
	snprintf(d->file, sizeof(d->file), "%s", path);
	d->fd = elf_file__fd(ef);
	for (size_t i = 0; i < NR_MARKERS; i++)
		names[i] = markers[i].symbol;
	err = elf_file__find_funcs(ef, names, NR_MARKERS, offs);
	for (size_t i = 0; err > 0 && i < NR_MARKERS; i++) {
		if (offs[i]) {
			d->lib = markers[i].lib;
			break;
		}
	}
	elf_file__build_id(ef, d->build_id, sizeof(d->build_id));
	if (!d->lib && detect_go(ef, d))
		return 0;
	switch (d->lib) {
	case LIB_OPENSSL:
		find_openssl_version(ef, path, d);
		break;
	case LIB_GNUTLS:
		if (find_version_in(ef, "GnuTLS ", d->version, sizeof(d->version)))
			snprintf(d->version_file, sizeof(d->version_file), "%s", path);
		break;
	case LIB_NSS:
		if (find_version_in(ef, "", d->version, sizeof(d->version)))
			snprintf(d->version_file, sizeof(d->version_file), "%s", path);
		break;
	case LIB_GO:
		break;
	}
	return err < 0 ? err : 0;
}

int detect_version_from(struct tls_detect *d, const char *path)
{
	const char *prefix = d->lib == LIB_OPENSSL ? "OpenSSL " : d->lib == LIB_GNUTLS ? "GnuTLS " : "";

	if (!find_version(path, prefix, d->version, sizeof(d->version)))
		return -ENOENT;
	snprintf(d->version_file, sizeof(d->version_file), "%s", path);
	return 0;
}

bool detect_is_shared_openssl(const struct tls_detect *d)
{
	return d->lib == LIB_OPENSSL && d->shared_openssl;
}
