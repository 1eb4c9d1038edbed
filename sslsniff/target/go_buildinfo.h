/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_GO_BUILDINFO_H
#define __SSLSNIFF_GO_BUILDINFO_H

#include <stdbool.h>
#include "target/elf_file.h"

/* What a Go executable's .go.buildinfo says of it. */
struct go_buildinfo {
	char version[32];	/* "go1.19.8" */
	char module[128];	/* the main module's path, else the main package's */
	int major, minor;	/* 1, 19; 0 when the version is not go1.N */
};

/*
 * Reads EF's build info: the section's magic "\xff Go buildinf:", then the
 * version and module text, inline (Go 1.18+) or through pointers into
 * the data (up to 1.17). 0, -ENOENT (not a Go executable) or -EINVAL
 * (malformed: every length is checked against the section).
 */
int go_buildinfo_read(struct elf_file *ef, struct go_buildinfo *bi);

/* Go's register ABI on amd64, which the probes read arguments by: 1.17+. */
bool go_buildinfo_register_abi(const struct go_buildinfo *bi);

#endif
