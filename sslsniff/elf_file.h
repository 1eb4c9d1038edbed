/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_ELF_H
#define __SSLSNIFF_ELF_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read-only view of an ELF file that may come from an untrusted container:
 * every offset is checked by libelf's accessors or here.
 */
struct elf_file;

/* Returns NULL and sets errno (ENOEXEC for a file that is not usable ELF). */
struct elf_file *elf_file__open(const char *path);
void elf_file__close(struct elf_file *ef);

/*
 * Looks up functions by name, exported ones (.dynsym) first, then .symtab.
 * offsets[i] receives the file offset of names[i] as a uprobe wants it, or 0
 * when the file does not define it. Returns the number found, or -errno.
 */
int elf_file__find_funcs(struct elf_file *ef, const char *const *names, size_t n,
			 uint64_t *offsets);

#endif
