// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: loading a library BTF file (--btf, btf-db's files, the DWARF
 * cache's) as btf/core_btf.c does before the program load: parsed by
 * libbpf, its types added to a base, the result written out. What is
 * written must parse again: a file that loaded once may not poison the
 * core-btf cache.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "fuzz.h"
#include "btf/core_btf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[128];
	char path[64];
	const char *in[1] = { path };
	struct btf *btf;

	if (!out[0]) {
		snprintf(out, sizeof(out), "%s/merged.btf", fuzz_tmpdir());
		libbpf_set_print(log_libbpf);	/* -v only, as sslsniff */
	}
	fuzz_memfd(data, size, path, sizeof(path));
	if (core_btf_concat(in, 1, out))
		return 0;
	btf = btf__parse(out, NULL);
	FUZZ_ASSERT(btf);
	btf__find_by_name_kind(btf, "ssl_st", BTF_KIND_STRUCT);
	btf__free(btf);
	unlink(out);
	return 0;
}
