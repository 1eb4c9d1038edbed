// SPDX-License-Identifier: GPL-2.0
/*
 * A Go type's runtime descriptor, from the executable's DWARF: Go's linker
 * gives each type's DIE a DW_AT_go_runtime_type, the descriptor's offset
 * from runtime.types. Where the linker names no itab in .symtab (Go 1.27),
 * the probes tell a *net.TCPConn by the itab's type word instead.
 */
#include <errno.h>
#include <string.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include "target/go_dwarf_type.h"

#define DW_AT_go_runtime_type	0x2904

/* Among PARENT's children (Go puts its types at the top of a unit). */
static int find_in(Dwarf_Die *parent, int tag, const char *name, uint64_t *off)
{
	Dwarf_Attribute a;
	Dwarf_Addr addr;
	Dwarf_Die c;
	int r;

	for (r = dwarf_child(parent, &c); r == 0; r = dwarf_siblingof(&c, &c)) {
		const char *n = dwarf_diename(&c);

		if (dwarf_tag(&c) != tag || !n || strcmp(n, name))
			continue;
		if (!dwarf_attr(&c, DW_AT_go_runtime_type, &a) || dwarf_formaddr(&a, &addr))
			return -EPROTO;
		*off = addr;
		return 0;
	}
	return r < 0 ? -EPROTO : -ENOENT;
}

int go_dwarf_type(int fd, int tag, const char *name, uint64_t *off)
{
	Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, sub;
	Dwarf_Half version;
	uint8_t unit_type;
	int err = -ENOENT;

	if (!dw)
		return -ENOENT;
	while (err == -ENOENT &&
	       !dwarf_get_units(dw, cu, &cu, &version, &unit_type, &cudie, &sub)) {
		if (dwarf_srclang(&cudie) == DW_LANG_Go)
			err = find_in(&cudie, tag, name, off);
	}
	dwarf_end(dw);
	return err;
}
