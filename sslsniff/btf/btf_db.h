/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_BTF_DB_H
#define __SSLSNIFF_BTF_DB_H

#include <limits.h>
#include <stddef.h>
#include "tls_funcs.h"

/*
 * The BTF database: btf-db/index lists, per library and layout family, the
 * BTF file of one version (see docs/btf-db.md).
 */
struct btf_db_entry {
	enum tls_library lib;
	char family[16];	/* versions that share this layout, e.g. "3.0" */
	char version[32];	/* the version the BTF was built from */
	char path[PATH_MAX + 256];	/* absolute */
};

struct btf_db;

/*
 * Opens the database in DIR, or when DIR is NULL the first of
 * $SSLSNIFF_BTF_DB, <executable's directory>/../btf-db and
 * /usr/local/share/sslsniff/btf-db that has an index. NULL and errno set
 * (ENOENT: none found) on failure.
 */
struct btf_db *btf_db__open(const char *dir);
void btf_db__free(struct btf_db *db);
const char *btf_db__dir(const struct btf_db *db);

/* The library's name in the index: "nspr" for NSS, whose layout is NSPR's. */
const char *btf_db_lib_name(enum tls_library lib);

/* The layout family of a library version: "3.0" for OpenSSL 3.0.19, "4" for NSPR 4.29. */
void btf_db_family(enum tls_library lib, const char *version, char *out, size_t size);

/*
 * The entry for LIB at VERSION: the exact version if listed, else one of
 * the same layout family. NULL when there is none. *EXACT says which.
 */
const struct btf_db_entry *btf_db__find(const struct btf_db *db, enum tls_library lib,
					const char *version, bool *exact);

size_t btf_db__nr_entries(const struct btf_db *db);
const struct btf_db_entry *btf_db__entry(const struct btf_db *db, size_t i);

#endif
