// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the btf-db index parser (btf/btf_db.c) on any index file,
 * then the look-ups that layout_choose() makes in it. The input is the
 * file btf-db/index of a directory of our own (SSLSNIFF_BTF_DB may name
 * any directory).
 */
#include "fuzz.h"
#include "btf/btf_db.h"

static const char *const versions[] = { "3.0.19", "1.1.1w", "3.7.9", "4.35", "", ".", "1..2" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[128], idx[160];
	struct btf_db *db;
	bool exact;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "%s", fuzz_tmpdir());
		snprintf(idx, sizeof(idx), "%s/index", dir);
	}
	fuzz_write_file(idx, data, size);
	db = btf_db__open(dir);
	if (!db)
		return 0;
	for (size_t i = 0; i < btf_db__nr_entries(db); i++) {
		const struct btf_db_entry *e = btf_db__entry(db, i);
		char family[16];

		FUZZ_ASSERT(e->lib >= LIB_OPENSSL && e->lib <= LIB_GO);
		FUZZ_ASSERT(!strncmp(e->path, btf_db__dir(db), strlen(btf_db__dir(db))));
		FUZZ_ASSERT(!strstr(e->path + strlen(btf_db__dir(db)), ".."));
		btf_db_family(e->lib, e->version, family, sizeof(family));
		FUZZ_ASSERT(btf_db__find(db, e->lib, e->version, &exact) && exact);
	}
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		for (enum tls_library lib = LIB_OPENSSL; lib <= LIB_NSS; lib++)
			btf_db__find(db, lib, versions[i], &exact);
	btf_db__free(db);
	return 0;
}
