// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: json_scan() (lib/json_scan.c) on any bytes, from a copy of
 * their own size. Every value and key it reports is read whole (ASan
 * sees a byte outside the input or the scratch), valid UTF-8, and its
 * path within the depth bound; and the input inside an array, "[" + it
 * + "]", must scan the same way: valid with the same values one level
 * deeper (or too deep). (Not the converse: "1,2" is no JSON text, but
 * "[1,2]" is.)
 */
#include <errno.h>
#include "fuzz.h"
#include "lib/json_scan.h"

struct tally {
	size_t values;
	uint64_t sum;	/* of the values' bytes, so the wrapped run can compare */
	int base;	/* the depth a value's path starts at: 0, 1 when wrapped */
};

static bool utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
			     c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		uint32_t cp;

		if (!len || n - i < len)
			return false;
		cp = len == 1 ? c : c & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static int count(const struct json_scan_path *p, const char *val, size_t len, void *arg)
{
	struct tally *t = arg;

	FUZZ_ASSERT(p->depth >= t->base && p->depth <= JSON_SCAN_DEPTH);
	/* Wrapped, the outer level is the array (not always element 0: in
	 * "[" + "1,2" + "]" the input itself had a comma at the top). */
	if (t->base)
		FUZZ_ASSERT(!p->keys[0]);
	for (int d = 0; d < p->depth; d++)
		if (p->keys[d])
			FUZZ_ASSERT(utf8_ok((const unsigned char *)p->keys[d], p->key_lens[d]));
	FUZZ_ASSERT(utf8_ok((const unsigned char *)val, len));
	t->values++;
	for (size_t i = 0; i < len; i++)
		t->sum = t->sum * 31 + (unsigned char)val[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally plain = { 0 }, wrapped = { .base = 1 };
	char *buf = fuzz_copy(data, size), *w = malloc(size + 2);
	int r1, r2;

	if (!w)
		abort();
	r1 = json_scan(buf, size, count, &plain);
	FUZZ_ASSERT(r1 == 0 || r1 == -EINVAL || r1 == -E2BIG);
	w[0] = '[';
	memcpy(w + 1, data, size);
	w[size + 1] = ']';
	r2 = json_scan(w, size + 2, count, &wrapped);
	if (r1 == 0)
		FUZZ_ASSERT(r2 == 0 || r2 == -E2BIG);
	if (r1 == 0 && r2 == 0)
		FUZZ_ASSERT(plain.values == wrapped.values && plain.sum == wrapped.sum);
	free(w);
	free(buf);
	return 0;
}
