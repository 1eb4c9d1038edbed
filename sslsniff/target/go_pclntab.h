/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_GO_PCLNTAB_H
#define __SSLSNIFF_GO_PCLNTAB_H

#include <stddef.h>
#include <stdint.h>
#include "target/elf_file.h"

/*
 * A Go executable's function table (runtime.pclntab, the .gopclntab
 * section), which the runtime needs for tracebacks and stack growth, so
 * that `-ldflags='-s -w'` keeps it: every function's name and entry PC.
 * The layouts read (runtime/symtab.go pcHeader, functab, _func;
 * debug/gosym/pclntab.go), told by the header's magic, 8-byte pointers
 * and little-endian only (amd64):
 *   0xfffffffa  Go 1.16, 1.17: functab of uintptr {entry, funcoff} pairs
 *   0xfffffff0  Go 1.18, 1.19: textStart in the header; functab and
 *               _func.entryoff are uint32 offsets from it
 *   0xfffffff1  Go 1.20+: the same; _func gains startLine. From Go 1.26
 *               the header's textStart is 0 (moduledata.text holds it).
 * The table is the section's bytes as the file holds them, never trusted:
 * every offset and count is checked against its size.
 */
#define GO116_MAGIC	0xfffffffaU
#define GO118_MAGIC	0xfffffff0U
#define GO120_MAGIC	0xfffffff1U

struct go_pclntab {
	const uint8_t *d;	/* the table, N bytes */
	size_t n;
	uint32_t magic;
	unsigned int fsz;	/* a functab field: 8 (1.16) or 4 (1.18+) */
	uint64_t nfunc;
	uint64_t text;		/* 1.18+: what entries are offsets from */
	uint64_t hdr_text;	/* 1.18-1.25: the header's textStart (0: none) */
	uint64_t funcname;	/* offsets in D: funcnametab, */
	uint64_t pctab;		/* ... pctab, */
	uint64_t pcln;		/* ... pclntable, which starts with the functab */
	const char *why;	/* what is malformed, after -EINVAL */
	uint8_t *base;		/* go_pclntab_read()'s copy, which holds D */
	uint64_t vaddr;		/* go_pclntab_read(): D's address in EF */
};

/* One function of the table. */
struct go_func {
	uint64_t entry;		/* its address */
	uint64_t end;		/* the next function's entry (the functab is sorted) */
	uint64_t size;		/* its code (the pcsp table's extent, as the linker's
				 * symbol size): up to END less alignment padding */
	const char *name;	/* NAME_LEN bytes in the table, not NUL-terminated */
	size_t name_len;
	uint8_t func_id;	/* the runtime's funcID: 0 a normal function */
};

/*
 * Reads the header of the table D[0..N) (which stays the caller's) and
 * checks the functab, its entries increasing, against N. TEXT: where
 * 1.18+ entries are offsets from (0: the header's textStart, which the
 * caller may replace with go_pclntab_set_text()). 0, -ENOENT (no known
 * magic), -EINVAL (malformed: T->why says what).
 */
int go_pclntab_parse(struct go_pclntab *t, const void *d, size_t n, uint64_t text);

/* Sets the 1.18+ text start (no-op for 1.16's absolute entries). */
void go_pclntab_set_text(struct go_pclntab *t, uint64_t text);

/* Function I (< T->nfunc). 0 or -EINVAL (T->why). */
int go_pclntab_func(struct go_pclntab *t, uint64_t i, struct go_func *f);

/*
 * Looks up the N NAMES: out[i] gets the function named names[i] (a
 * normal one before an ABI wrapper of the same name), or a zero entry.
 * The number found, or -EINVAL (T->why).
 */
int go_pclntab_find(struct go_pclntab *t, const char *const *names, size_t n,
		    struct go_func *out);

/*
 * EF's table: the .gopclntab section (.data.rel.ro.gopclntab in a Go 1.19
 * PIE), else one found by its header's magic in a loaded non-executable
 * segment (a section table that is odd or gone); its 1.18+ text start
 * from the header, else from the runtime's moduledata (runtime.text,
 * where an external linker moved it), else .text's address. The entries
 * must be code of an executable segment. On success T->d is a malloc()ed
 * copy, freed by go_pclntab_release(). 0, -ENOENT (none), -EINVAL
 * (malformed, T->why), -ENOMEM.
 */
int go_pclntab_read(struct elf_file *ef, struct go_pclntab *t);
void go_pclntab_release(struct go_pclntab *t);

/*
 * The first N words (N >= 23, the fields up to text) of
 * runtime.firstmoduledata, the one moduledata of EF whose pcHeader and
 * funcnametab point into T (as go_pclntab_read() read it) and whose minpc
 * is the first function's entry. 0, -ENOENT (none), -EINVAL (N too small).
 */
int go_pclntab_moduledata(struct elf_file *ef, const struct go_pclntab *t, uint64_t *md,
			  size_t n);

/*
 * The functions NAMES[i] ("" for none) whose OFFS[i] is still 0, from EF's
 * table: OFFS[i] gets each one's file offset, and its extent goes to
 * elf_file__add_func() for the return-instruction scan. The number
 * found, or -ENOENT (no table), -EINVAL (malformed: *WHY says what),
 * -ENOMEM.
 */
int go_pclntab_find_funcs(struct elf_file *ef, const char *const *names, size_t n,
			  uint64_t *offs, const char **why);

#endif
