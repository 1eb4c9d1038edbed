// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: DWARF to BTF (btf/dwarf_btf.c) and the debug file search
 * (btf/dwarf_debug.c) on any ELF file, as a container's library with debug
 * info: the roots btf/dwarf_layout.c asks for, each library's in turn.
 * What is written must be BTF that libbpf parses (dwarf_btf_generate()
 * promises that nothing else reaches the cache).
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include "fuzz.h"
#include "btf/dwarf_btf.h"

static const char *const roots[][6] = {
	{ "ssl_st", "ssl_connection_st", "ssl_session_st", "ssl_cipher_st", "ssl3_state_st", NULL },
	{ "bio_st", "bio_method_st", NULL },
	{ "gnutls_session_int", "version_entry_st", "gnutls_cipher_suite_entry_st", NULL },
	{ "PRFilePrivate", NULL },
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
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		struct btf *btf;

		if (dwarf_btf_generate(path, roots[i], out))
			continue;
		btf = btf__parse(out, NULL);
		FUZZ_ASSERT(btf);
		btf__free(btf);
		unlink(out);
	}
	return 0;
}
