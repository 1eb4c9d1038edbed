/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_DETECT_H
#define __SSLSNIFF_DETECT_H

#include <limits.h>
#include "tls_funcs.h"

/* What a file is, as far as its ELF tells. */
struct tls_detect {
	enum tls_library lib;		/* 0: no TLS library */
	char file[PATH_MAX];		/* the file detected */
	int fd;				/* ... open (pinned), or -1 */
	char version[32];		/* "" when not found */
	char build_id[80];		/* hex, "" when the file has none */
	char version_file[PATH_MAX];	/* where the version string was found */
	bool shared_openssl;		/* libssl with a separate libcrypto (DT_NEEDED) */
	char crypto_needed[64];		/* ... its name there ("libcrypto.so.3") */
	char go_module[128];		/* a Go executable's main module (build info) */
	bool go_register_abi;		/* ... built by Go 1.17+: arguments in registers */
};

/*
 * Tells the TLS library in the ELF file EF (found at PATH) by its exported
 * functions, its version from the version string in read-only data
 * (OpenSSL's is in libcrypto, found through DT_NEEDED next to PATH, in the
 * same root, or in the executable for a static build), and its build-id.
 * A Go executable is told by its build info (.go.buildinfo), which gives
 * the Go version and module path.
 * Returns 0 or -errno.
 */
struct elf_file;
int detect_tls(struct elf_file *ef, const char *path, struct tls_detect *d);

/*
 * D's version from the version string of the file at PATH (a libssl's
 * libcrypto found elsewhere: through the mappings of a process). 0 or -ENOENT.
 */
int detect_version_from(struct tls_detect *d, const char *path);

/*
 * True for a shared libssl (it needs a separate libcrypto): the
 * distribution's build, whose layout btf-db describes. An executable
 * with OpenSSL built in (node) has its own build options, maybe its own
 * layout, and its structs are never read with a distribution's BTF.
 */
bool detect_is_shared_openssl(const struct tls_detect *d);

#endif
