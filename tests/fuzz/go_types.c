// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: Go's type descriptors (target/go_types.c). The input's
 * first 16 bytes are where Go 1.27's itabs lie in the region and how many
 * bytes they take, its next 64 up to 16 typelinks (offsets from types),
 * the rest the region, from 0x500000: every 8th offset's name, the
 * typelinks and itab walks. Executables reach go_types_find_ptr() through
 * the go_pclntab target (the moduledata's fields).
 */
#include <errno.h>
#include "fuzz.h"
#include "target/go_types.h"

#define HEAD	(16 + 64)

static void check_name(const struct go_types *t, uint64_t off)
{
	unsigned int kind;
	const char *s;
	size_t len;

	if (go_types_name(t, off, &s, &len, &kind))
		return;
	FUZZ_ASSERT(kind < 32 && s >= (const char *)t->d && len <= t->n &&
		    s + len <= (const char *)t->d + t->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct go_types t = { .base = 0x500000 };
	uint64_t at, len, off;
	int32_t links[16];
	uint8_t *d;

	if (size < HEAD)
		return 0;
	memcpy(&at, data, 8);
	memcpy(&len, data + 8, 8);
	memcpy(links, data + 16, sizeof(links));
	t.n = size - HEAD;
	d = fuzz_copy(data + HEAD, t.n);
	t.d = d;
	for (uint64_t o = 0; o < t.n && o < 4096; o += 8)
		check_name(&t, o);
	if (!go_types_find_typelink(&t, links, 16, "*net.TCPConn", &off))
		FUZZ_ASSERT(off < t.n && go_types_is_ptr(&t, off, "*net.TCPConn"));
	if (!go_types_find_itab(&t, at, len, "*net.TCPConn", &off))
		FUZZ_ASSERT(off < t.n && go_types_is_ptr(&t, off, "*net.TCPConn"));
	free(d);
	return 0;
}
