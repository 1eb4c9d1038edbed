/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_DWARF_BTF_H
#define __SSLSNIFF_DWARF_BTF_H

#include <stddef.h>

/* Part of every generated layout's cache key: changed with what the
 * encoder puts in its output, so that no entry of an older one is used. */
#define DWARF_BTF_ENCODER	"sslsniff dwarf-btf encoder 1"

/*
 * BTF for a library's private structs, made from its own DWARF at start-up
 * (no pahole): the structs named in ROOTS (NULL-terminated, e.g. "ssl_st",
 * "bio_st") complete, with every type their layout needs. A name that no
 * struct or union has but a typedef does (GnuTLS's typedefs of anonymous
 * structs) gives that typedef and, complete, what it names. A pointer to a
 * struct or union that is neither a root nor embedded by value becomes a
 * pointer to a FWD; a function pointer becomes a pointer to void (same
 * size, CO-RE never looks behind it); _Atomic T is encoded as T.
 * Types of Go's compilation units (DW_LANG_Go) are named as
 * dwarf_btf_go_name() says, ROOTS still by their Go names
 * ("crypto/tls.Conn"); a Go func value is a pointer to void.
 *
 * ELF_PATH is the file that carries the DWARF (dwarf_btf_find_debug()):
 * a shared object, an executable, a relocatable object or a separate debug
 * file. OUT_PATH is written whole (temporary file, then rename).
 *
 * Returns 0 (some roots may still be missing: the program tests each with
 * bpf_core_type_exists), -ENOENT when the file has no DWARF or defines none
 * of the roots (fall back to btf-db; also when ELF_PATH or OUT_PATH's
 * directory does not exist), or another -errno: -ENOEXEC not ELF, and for
 * malformed DWARF -EPROTO, -ELOOP, -E2BIG. Failures other than -ENOENT are
 * reported on stderr once, here; -ENOENT only with -v.
 */
int dwarf_btf_generate(const char *elf_path, const char *const *roots, const char *out_path);

/* The longest C name a Go type's is made into; a longer one stays Go's. */
#define DWARF_BTF_NAME_MAX	256

/*
 * The C identifier for the Go type name GO, as dwarf_btf_generate() names
 * Go's types in BTF: "go_", the package path with '/', '.' and '-' made
 * '_', "__", the type's name: crypto/tls.Conn is go_crypto_tls__Conn,
 * internal/poll.FD go_internal_poll__FD; a predeclared type has no path
 * (string: go_string). Into OUT. 0, -EINVAL for a type literal ("[]uint8",
 * "*net.TCPConn", "map[string]int", generic instantiations: no C name),
 * or -ENAMETOOLONG.
 */
int dwarf_btf_go_name(const char *go, char *out, size_t size);

/*
 * Where the DWARF for ELF_PATH is: the file itself when it has
 * .debug_info, else DEBUG_ROOT/.build-id/xx/rest.debug for its GNU
 * build-id, else its .gnu_debuglink name next to it, in .debug/ beside it,
 * or in DEBUG_ROOT/<its directory>/. A candidate counts only when it has
 * .debug_info and the same build-id (or, without one, the CRC the debuglink
 * names). DEBUG_ROOT NULL means $SSLSNIFF_DEBUG_DIR, else /usr/lib/debug;
 * for a container's library pass the root's own ("/proc/PID/root/usr/lib/debug").
 * The path goes to OUT. Returns 0, -ENOENT (no DWARF anywhere), -ENOEXEC
 * (not ELF), -ENAMETOOLONG or another -errno.
 */
int dwarf_btf_find_debug_in(const char *elf_path, const char *debug_root, char *out,
			    size_t size);
int dwarf_btf_find_debug(const char *elf_path, char *out, size_t size);
/* The same for the open file FD (found at ELF_PATH): its own DWARF is
 * named /proc/self/fd/FD, so that it is read from that very file. */
int dwarf_btf_find_debug_fd(int fd, const char *elf_path, const char *debug_root, char *out,
			    size_t size);

#endif
