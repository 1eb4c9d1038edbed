// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "btf/btf_db.h"

/* Where make install puts it (the Makefile's DATADIR). */
#ifndef SSLSNIFF_BTF_DB_DIR
#define SSLSNIFF_BTF_DB_DIR	"/usr/local/share/sslsniff/btf-db"
#endif
#define MAX_ENTRIES	256

struct btf_db {
	char dir[PATH_MAX];
	struct btf_db_entry entries[MAX_ENTRIES];
	size_t nr;
};

static bool has_index(const char *dir)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/index", dir);
	return !access(p, R_OK);
}

/*
 * Where the database is: the environment; beside the binary, in the build
 * tree (bin/../btf-db) or installed under any prefix
 * (sbin/../share/sslsniff/btf-db); where make install put it.
 */
static int btf_db_locate(char *dir, size_t size)
{
	static const char *const beside_exe[] = { "../btf-db", "../share/sslsniff/btf-db" };
	const char *env = getenv("SSLSNIFF_BTF_DB");
	char exe[PATH_MAX - 32], *slash;
	ssize_t n;

	if (env && *env) {
		snprintf(dir, size, "%s", env);
		return has_index(dir) ? 0 : -ENOENT;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
	for (size_t i = 0; slash && i < sizeof(beside_exe) / sizeof(beside_exe[0]); i++) {
		snprintf(dir, size, "%.*s/%s", (int)(slash - exe), exe, beside_exe[i]);
		if (has_index(dir))
			return 0;
	}
	snprintf(dir, size, "%s", SSLSNIFF_BTF_DB_DIR);
	return has_index(dir) ? 0 : -ENOENT;
}

/*
 * NSS is hooked at NSPR's PR_Read/PR_Write and read through NSPR's socket
 * struct, so its entries are NSPR's, by NSPR version, named "nspr".
 */
static enum tls_library btf_db_lib(const char *name)
{
	return strcmp(name, "nspr") ? tls_library_parse(name) : LIB_NSS;
}

const char *btf_db_lib_name(enum tls_library lib)
{
	return lib == LIB_NSS ? "nspr" : tls_library_name(lib);
}

/* "library<TAB>family<TAB>version<TAB>file"; '#' starts a comment line. */
static int btf_db_parse_line(struct btf_db *db, char *line)
{
	struct btf_db_entry *e = &db->entries[db->nr];
	char *f[4], *save = NULL, path[sizeof(e->path)];

	if (line[0] == '#' || line[0] == '\n' || db->nr == MAX_ENTRIES)
		return 0;
	for (int i = 0; i < 4; i++) {
		f[i] = strtok_r(i ? NULL : line, "\t\n", &save);
		if (!f[i])
			return -EINVAL;
	}
	e->lib = btf_db_lib(f[0]);
	if (!e->lib || strchr(f[3], '/') == f[3] || strstr(f[3], ".."))
		return -EINVAL;
	snprintf(e->family, sizeof(e->family), "%s", f[1]);
	snprintf(e->version, sizeof(e->version), "%s", f[2]);
	if (snprintf(path, sizeof(path), "%s/%s", db->dir, f[3]) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	memcpy(e->path, path, sizeof(path));
	db->nr++;
	return 0;
}

struct btf_db *btf_db__open(const char *dir)
{
	struct btf_db *db = calloc(1, sizeof(*db));
	char idx[PATH_MAX + 16], line[1024];
	int err = 0;
	FILE *f;

	if (!db)
		return NULL;
	if (dir)
		snprintf(db->dir, sizeof(db->dir), "%s", dir);
	else
		err = btf_db_locate(db->dir, sizeof(db->dir));
	if (!err) {
		char *real = realpath(db->dir, NULL);

		if (real) {
			snprintf(db->dir, sizeof(db->dir), "%s", real);
			free(real);
		}
		snprintf(idx, sizeof(idx), "%s/index", db->dir);
		f = fopen(idx, "re");
		if (!f)
			err = -errno;
		while (!err && fgets(line, sizeof(line), f))
			err = btf_db_parse_line(db, line);
		if (f)
			fclose(f);
	}
	if (err) {
		free(db);
		errno = -err;
		return NULL;
	}
	return db;
}

void btf_db__free(struct btf_db *db)
{
	free(db);
}

const char *btf_db__dir(const struct btf_db *db)
{
	return db->dir;
}

void btf_db_family(enum tls_library lib, const char *version, char *out, size_t size)
{
	size_t n = strcspn(version, ".");

	/* major.minor; OpenSSL 1.1.1 keeps its third number (1.1.0 differs). */
	if (version[n] == '.')
		n += 1 + strcspn(version + n + 1, ".");
	if (lib == LIB_OPENSSL && !strncmp(version, "1.1.1", 5))
		n = 5;
	/* NSPR's socket struct has kept its layout through 4.x. */
	if (lib == LIB_NSS)
		n = strcspn(version, ".");
	snprintf(out, size, "%.*s", (int)n, version);
}

const struct btf_db_entry *btf_db__find(const struct btf_db *db, enum tls_library lib,
					const char *version, bool *exact)
{
	const struct btf_db_entry *same_family = NULL;
	char family[16];

	btf_db_family(lib, version, family, sizeof(family));
	for (size_t i = 0; i < db->nr; i++) {
		const struct btf_db_entry *e = &db->entries[i];

		if (e->lib != lib)
			continue;
		if (!strcmp(e->version, version)) {
			*exact = true;
			return e;
		}
		if (!same_family && !strcmp(e->family, family))
			same_family = e;
	}
	*exact = false;
	return same_family;
}

size_t btf_db__nr_entries(const struct btf_db *db)
{
	return db->nr;
}

const struct btf_db_entry *btf_db__entry(const struct btf_db *db, size_t i)
{
	return i < db->nr ? &db->entries[i] : NULL;
}
