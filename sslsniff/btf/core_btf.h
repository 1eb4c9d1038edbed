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
 * (/var/cache/sslsniff/core-btf.v2, btf_cache.h), keyed by the contents of
 * the program's object, the kernel BTF and the library BTF files. The BTF
 * is handed over in a file of memory, checked and private: its fd is
 * returned (the caller closes it once the program is loaded), and its path
 * for libbpf (/proc/self/fd/N) put in OUT. -errno (reported) on failure.
 */
int core_btf_build(const char *kernel_btf, const char *const *libs, size_t nr, char *out,
		   size_t size);

/* BTF written whole to OUT (a temporary file, then renamed). 0 or -errno. */
struct btf;
int core_btf_write(const struct btf *btf, const char *out);

/* One BTF file OUT holding the types of the NR files IN. 0 or -errno (reported). */
int core_btf_concat(const char *const *in, size_t nr, const char *out);

#endif
