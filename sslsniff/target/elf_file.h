/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_ELF_H
#define __SSLSNIFF_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Read-only view of an ELF file that may come from an untrusted container:
 * every offset is checked by libelf's accessors or here.
 */
struct elf_file;

/*
 * Opens PATH with fs_open() (a container's path resolved inside its root).
 * Returns NULL and sets errno (ENOEXEC for a file that is not usable ELF).
 */
struct elf_file *elf_file__open(const char *path);
/* The same on an open file FD, which stays the caller's. */
struct elf_file *elf_file__from_fd(int fd);
void elf_file__close(struct elf_file *ef);
int elf_file__fd(const struct elf_file *ef);

/*
 * Looks up functions by name among the exported ones (.dynsym), or in
 * .symtab when none of them is exported.
 * offsets[i] receives the file offset of names[i] as a uprobe wants it, or 0
 * when the file does not define it. Returns the number found, or -errno.
 */
int elf_file__find_funcs(struct elf_file *ef, const char *const *names, size_t n,
			 uint64_t *offsets);

/* Whether the file imports (needs from another file) one of NAMES. */
bool elf_file__imports_any(struct elf_file *ef, const char *const *names, size_t n);

/* The GNU build-id as lower-case hex into BUF. Returns 0 or -ENOENT. */
int elf_file__build_id(struct elf_file *ef, char *buf, size_t size);

/*
 * Calls FN for each NUL-terminated string in the read-only data sections
 * (.rodata, .rodata.*) that contains NEEDLE ("" for every string), until FN
 * returns non-zero, which is returned. S is the whole string around NEEDLE.
 */
typedef int (*elf_string_fn)(const char *s, size_t len, void *ctx);
int elf_file__for_each_string(struct elf_file *ef, const char *needle, elf_string_fn fn,
			      void *ctx);

/*
 * Copies LEN bytes of executable code at file offset OFF (as a uprobe
 * takes it) into BUF. 0, or -ERANGE when they are not all inside one
 * executable segment, or -errno.
 */
int elf_file__read_text(struct elf_file *ef, uint64_t off, void *buf, size_t len);

/*
 * The function a PLT stub jumps to, when this file defines it: GOT_REF is
 * the stub's GOT slot as the code at file offset CODE_OFF addresses it
 * (rip-relative, in file offsets of an executable segment). The slot's
 * JUMP_SLOT or GLOB_DAT relocation names the symbol; *OFF receives the
 * file offset of its definition here. 0, or -ENOENT (no such slot, or
 * defined elsewhere).
 */
int elf_file__got_target(struct elf_file *ef, uint64_t code_off, uint64_t got_ref,
			 uint64_t *off);

/*
 * The function symbol (.dynsym, else .symtab) whose extent holds file
 * offset OFF: its start as a file offset and its size, both inside one
 * executable segment. 0, or -ENOENT (no sized function there).
 */
int elf_file__func_at(struct elf_file *ef, uint64_t off, uint64_t *start, uint64_t *size);

/*
 * Copies LEN bytes of any loaded segment at REF, an address as the code at
 * file offset CODE_OFF refers to it rip-relatively (a jump table in
 * .rodata). 0, or -ERANGE, or -errno.
 */
int elf_file__read_ref(struct elf_file *ef, uint64_t code_off, uint64_t ref, void *buf,
		       size_t len);

/* Copies LEN bytes of a loaded segment at address VADDR. 0, -ERANGE or -errno. */
int elf_file__read_vaddr(struct elf_file *ef, uint64_t vaddr, void *buf, size_t len);

/* The address and size of the section NAME (.go.buildinfo). 0 or -ENOENT. */
int elf_file__section(struct elf_file *ef, const char *name, uint64_t *vaddr, uint64_t *size);

/* Program headers: segment I's address, size in the file and ELF_SEG_*
 * flags, when it is a PT_LOAD. 0, or -ENOENT. */
#define ELF_SEG_X	0x1
#define ELF_SEG_W	0x2
size_t elf_file__nr_segments(const struct elf_file *ef);
int elf_file__segment(struct elf_file *ef, size_t i, uint64_t *vaddr, uint64_t *filesz,
		      unsigned int *flags);

/* The file offset of code at address VADDR (as a uprobe takes it), or 0
 * when no executable segment holds it. */
uint64_t elf_file__code_offset(struct elf_file *ef, uint64_t vaddr);

/*
 * A function's extent (file offset and size, code of one executable
 * segment) that the symbol tables do not give: a stripped Go
 * executable's, from its pclntab. elf_file__func_at() finds it after the
 * symbols. 0, or -ERANGE, -ENOMEM.
 */
int elf_file__add_func(struct elf_file *ef, uint64_t start, uint64_t size);

/* The value of the defined symbol NAME in .symtab, of any type (Go's
 * itabs are data). 0 or -ENOENT. */
int elf_file__symbol(struct elf_file *ef, const char *name, uint64_t *value);

/* The address of file offset OFF of an executable segment. 0 or -ERANGE. */
int elf_file__text_vaddr(struct elf_file *ef, uint64_t off, uint64_t *vaddr);

/* The I-th DT_NEEDED entry, or NULL past the last one. */
const char *elf_file__needed(struct elf_file *ef, size_t i);

#endif
