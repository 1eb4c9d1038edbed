/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_DWARF_LAYOUT_H
#define __SSLSNIFF_DWARF_LAYOUT_H

#include <stddef.h>
#include "target/detect.h"

/*
 * A library's layout from its own debug info, in preference to btf-db: when
 * the TLS library detected as D (the file D->file, pinned as D->fd) or its
 * debug file carries DWARF, the BTF of the structs the program reads is
 * generated from it (for OpenSSL, from libssl's and libcrypto's, where
 * bio_st lives), cached by build-id under /var/cache/sslsniff/dwarf-btf.
 * Its path goes to OUT and the debug file it came from to FROM. Returns 0,
 * or -ENOENT when there is no DWARF to use (fall back to btf-db), or
 * another -errno (reported).
 */
int dwarf_layout_btf(const struct tls_detect *d, char *out, size_t size, char *from,
		     size_t from_size);

#endif
