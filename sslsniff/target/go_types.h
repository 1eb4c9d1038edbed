/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_GO_TYPES_H
#define __SSLSNIFF_GO_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include "target/elf_file.h"

struct btf;

/*
 * A Go executable's type descriptors, from the runtime's own tables,
 * which `-ldflags='-s -w'` keeps (the runtime needs them for reflection,
 * interface conversions and itabs): runtime.firstmoduledata's types ..
 * etypes, the region where every descriptor (abi.Type / runtime._type:
 * size, ptrdata, hash, tflag, align, fieldAlign, kind, equal, gcdata,
 * str, ptrToThis) and the names their str nameOffs point to lie; Go 1.18
 * to 1.26 list the unnamed ones (pointer types among them) in typelinks,
 * offsets from types; Go 1.27 has no typelinks but lays the linker's
 * itabs inside the region (types + itaboffset, itabsize bytes). Only
 * amd64's layout, 8-byte pointers, little-endian.
 *
 * D is the region as the file holds it, never trusted: every offset,
 * count and length is checked against N.
 */
struct go_types {
	const uint8_t *d;	/* the region, N bytes, from address BASE */
	size_t n;
	uint64_t base;
};

/*
 * The name of the type descriptor at OFF (from types), tflagExtraStar's
 * '*' dropped: *NAME (not NUL-terminated, *LEN bytes, inside D) and its
 * kind (the low 5 bits: 22 a pointer). 0 or -EINVAL.
 */
int go_types_name(const struct go_types *t, uint64_t off, const char **name, size_t *len,
		  unsigned int *kind);

/* Whether the descriptor at OFF is a pointer type named NAME. */
int go_types_is_ptr(const struct go_types *t, uint64_t off, const char *name);

/*
 * The first of the N typelinks LINKS (offsets from types) that is a
 * pointer type named NAME: its offset into *OFF. 0 or -ENOENT.
 */
int go_types_find_typelink(const struct go_types *t, const int32_t *links, size_t n,
			   const char *name, uint64_t *off);

/*
 * Go 1.27: the itabs laid out at D[AT .. AT + SIZE), each (inter, type,
 * hash, fun[len(inter.methods)] or fun[1] = 0) read in turn: the offset
 * of the first itab's type that is a pointer type named NAME into *OFF.
 * 0 or -ENOENT (none; a malformed itab ends the walk).
 */
int go_types_find_itab(const struct go_types *t, uint64_t at, uint64_t size, const char *name,
		       uint64_t *off);

/*
 * The address of EF's type descriptor of the pointer type NAME (e.g.
 * "*net.TCPConn"), from its pclntab's moduledata, whose field offsets
 * come from the layout BTF (the go_runtime__moduledata of its Go
 * version's btf-db entry, or of its DWARF), and the tables above. 0,
 * -ENOENT (none, or no moduledata in the layout BTF, which may be
 * NULL: *WHY), -ENOMEM.
 */
int go_types_find_ptr(struct elf_file *ef, const struct btf *btf, const char *name,
		      uint64_t *addr, const char **why);

#endif
