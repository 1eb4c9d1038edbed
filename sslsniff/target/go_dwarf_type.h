/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_GO_DWARF_TYPE_H
#define __SSLSNIFF_GO_DWARF_TYPE_H

#include <stdint.h>

/*
 * The offset from runtime.types of the runtime descriptor of the Go type
 * NAME ("*net.TCPConn", a DIE of TAG: DW_TAG_pointer_type) in the DWARF of
 * the executable open as FD (libdw reads its compressed sections). 0,
 * -ENOENT (no DWARF, no such type) or -EPROTO.
 */
int go_dwarf_type(int fd, int tag, const char *name, uint64_t *off);

#endif
