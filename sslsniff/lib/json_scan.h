/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_JSON_SCAN_H
#define __SSLSNIFF_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_SCAN_DEPTH	32

/*
 * Where a string value lies: DEPTH levels of objects and arrays, the
 * outermost first. An object's level is the member's key (unescaped, not
 * NUL-terminated); an array's has key NULL and the element's index in
 * key_lens.
 */
struct json_scan_path {
	const char *keys[JSON_SCAN_DEPTH];
	size_t key_lens[JSON_SCAN_DEPTH];
	int depth;
};

/* Called for each string value (VAL unescaped, LEN bytes, valid UTF-8 but
 * possibly holding a NUL from "\u0000"); non-zero stops the scan. */
typedef int (*json_scan_fn)(const struct json_scan_path *p, const char *val, size_t len,
			    void *arg);

/*
 * Validates the LEN bytes of BUF as one RFC 8259 JSON text (UTF-8, no
 * byte order mark; numbers, true, false and null checked and skipped;
 * duplicate keys are no error: each is reported) and calls FN for every
 * string value that is not a key, in order. No recursion: nesting deeper
 * than JSON_SCAN_DEPTH is refused. Memory: none when BUF has no backslash,
 * else one buffer of LEN bytes for the unescaped keys on the path and the
 * current value. Returns 0, FN's non-zero return (which stopped the scan:
 * what came before it was valid, what follows is not looked at), -EINVAL
 * for malformed JSON, -E2BIG for nesting too deep, -ENOMEM.
 */
int json_scan(const char *buf, size_t len, json_scan_fn fn, void *arg);

/*
 * Whether P is exactly the object members named by the NULL-terminated
 * keys that follow (json_scan_path_is(p, "Config", "Labels", k, NULL)).
 */
bool json_scan_path_is(const struct json_scan_path *p, ...);

#endif
