// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the linker cache parser (target/discover.c,
 * discover_ldcache()) on any file, as a container's /etc/ld.so.cache:
 * opened, mapped and walked as sslsniff does, each entry it reports checked.
 */
#include "fuzz.h"
#include "target/discover.h"

static int check_entry(const struct discover_file *f, void *ctx)
{
	size_t len = strlen(f->path);

	(void)ctx;
	FUZZ_ASSERT(f->pid == -1 && f->named_tls && f->path[0] == '/');
	FUZZ_ASSERT(discover_is_tls_name(f->path) && len < 4096 + 32);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];

	fuzz_memfd(data, size, path, sizeof(path));
	discover_ldcache(path, check_entry, NULL);
	return 0;
}
