/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_LAYOUT_H
#define __SSLSNIFF_LAYOUT_H

#include <limits.h>
#include <stdbool.h>
#include "btf/btf_db.h"
#include "target/detect.h"

#define LAYOUT_BTF_LEN	(PATH_MAX + 256)

/* Which library BTF a file's structs are read with, and why. */
struct layout_choice {
	char btf[LAYOUT_BTF_LEN];	/* "" when there is none */
	char why[PATH_MAX + 96];	/* "exact version", ...; or why there is none */
};

/*
 * The layout of the library detected as D: its own DWARF when it has some
 * (exact by construction, generated and cached), else btf-db's entry for
 * its version (the exact version, else its layout family), or FORCED
 * (--btf, may be NULL) for a shared libssl. DB may be NULL (no btf-db).
 * False when there is none, WHY saying why: its connections then come from
 * the syscalls only. Capture and --detect both ask this one function.
 */
bool layout_choose(const struct btf_db *db, const char *forced, const struct tls_detect *d,
		   struct layout_choice *c);

#endif
