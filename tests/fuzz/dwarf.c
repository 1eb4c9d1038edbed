// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: DWARF to BTF (btf/dwarf_btf.c) and the debug file search
 * (btf/dwarf_debug.c) on any ELF file, as a container's library with debug
 * info, or a Go executable (whose types are named as C identifiers).
 * What is written must be BTF that libbpf parses (dwarf_btf_generate()
 * promises that nothing else reaches the cache).
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include "fuzz.h"
#include "btf/dwarf_btf.h"

/* The roots btf/dwarf_layout.c asks for, every library's at once: one
 * pass over the DWARF per input instead of four. */
static const char *const roots[] = {
	"ssl_st", "ssl_connection_st", "ssl_session_st", "ssl_cipher_st", "ssl3_state_st",
	"bio_st", "bio_method_st",
	"gnutls_session_int", "version_entry_st", "gnutls_cipher_suite_entry_st",
	"PRFilePrivate",
	/* Go's (named go_crypto_tls__Conn, ... in BTF), and runtime types
	 * every Go executable's DWARF has, the seed's too. */
	"crypto/tls.Conn", "net.TCPConn", "net.netFD", "internal/poll.FD", "runtime.iface",
	"runtime.itab", "runtime.hchan", "main.T", NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[128], nodebug[128];
	char path[64], dbg[4096];
	int fd;

	if (!out[0]) {
		snprintf(out, sizeof(out), "%s/out.btf", fuzz_tmpdir());
		snprintf(nodebug, sizeof(nodebug), "%s/no-debug-root", fuzz_tmpdir());
		libbpf_set_print(log_libbpf);
	}
	fd = fuzz_memfd(data, size, path, sizeof(path));
	dwarf_btf_find_debug_fd(fd, "/usr/lib/libfuzz.so", nodebug, dbg, sizeof(dbg));
	if (!dwarf_btf_generate(path, roots, out)) {
		struct btf *btf = btf__parse(out, NULL);

		FUZZ_ASSERT(btf);
		btf__free(btf);
		unlink(out);
	}
	return 0;
}
