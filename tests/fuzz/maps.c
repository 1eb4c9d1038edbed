// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the /proc/PID/maps parser (target/discover.c,
 * discover_maps()) on any text. A process names its own files, so the
 * paths in its maps are chosen by whoever runs it.
 */
#include "fuzz.h"
#include "target/discover.h"

static int check_mapping(const struct discover_file *f, void *ctx)
{
	size_t len = strlen(f->path);

	(void)ctx;
	FUZZ_ASSERT(f->pid == 4242 && f->path[0] == '/' && f->ino);
	FUZZ_ASSERT(!memchr(f->path, '\n', len));
	FUZZ_ASSERT(f->named_tls == discover_is_tls_name(f->path));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		abort();
	discover_maps(f, 4242, check_mapping, NULL);
	fclose(f);
	return 0;
}
