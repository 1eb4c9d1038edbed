/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_CORE_BTF_H
#define __SSLSNIFF_CORE_BTF_H

#include <stddef.h>

/*
 * libbpf relocates a program against one target BTF (btf_custom_path), so
 * the kernel's types (for the socket walk) and the library's (for its
 * structs) must be in one file. Builds it from KERNEL_BTF (NULL: the
 * running kernel's) and the NR library BTF files LIBS (their type names do
 * not clash: each library's own structs), or finds it in the cache
 * (/var/cache/sslsniff/core-btf), and puts its path in OUT.
 * Returns 0 or -errno (reported).
 */
int core_btf_build(const char *kernel_btf, const char *const *libs, size_t nr, char *out,
		   size_t size);

/* BTF written whole to OUT (a temporary file, then renamed). 0 or -errno. */
struct btf;
int core_btf_write(const struct btf *btf, const char *out);

/* One BTF file OUT holding the types of the NR files IN. 0 or -errno (reported). */
int core_btf_concat(const char *const *in, size_t nr, const char *out);

#endif
