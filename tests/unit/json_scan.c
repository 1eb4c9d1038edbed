// SPDX-License-Identifier: GPL-2.0
/*
 * json_scan(): RFC 8259's grammar accepted and refused (cases in the
 * manner of JSONTestSuite's y_ and n_ files), escapes and surrogate pairs
 * to UTF-8, the depth bound, and the path of keys to each string value.
 * Every input is scanned from a buffer of its own size, so ASan sees any
 * read past its end.
 */
#include <errno.h>
#include "lib/json_scan.h"
#include "unit.h"

static char got[4096];

/* Each value as "path=value;", the path as .key and [index]; a byte
 * outside printable ASCII as \xNN. */
static int collect(const struct json_scan_path *p, const char *val, size_t len, void *arg)
{
	size_t n = strlen(got);

	(void)arg;
	for (int d = 0; d < p->depth; d++) {
		if (p->keys[d])
			n += (size_t)snprintf(got + n, sizeof(got) - n, ".%.*s", (int)p->key_lens[d],
					      p->keys[d]);
		else
			n += (size_t)snprintf(got + n, sizeof(got) - n, "[%zu]", p->key_lens[d]);
	}
	n += (size_t)snprintf(got + n, sizeof(got) - n, "=");
	for (size_t i = 0; i < len && n < sizeof(got) - 8; i++) {
		unsigned char c = (unsigned char)val[i];

		n += (size_t)snprintf(got + n, sizeof(got) - n, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x",
				      c);
	}
	snprintf(got + n, sizeof(got) - n, ";");
	return 0;
}

static int scan(const char *json, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int ret;

	memcpy(copy, json, len);
	got[0] = '\0';
	ret = json_scan(copy, len, collect, NULL);
	free(copy);
	return ret;
}

struct ok_case {
	const char *json, *want;
};

static const struct ok_case valid[] = {
	{ "\"x\"", "=x;" },
	{ " \t\r\n\"x\" \n", "=x;" },
	{ "0", "" },
	{ "-0", "" },
	{ "-12.5e+3", "" },
	{ "1E-2", "" },
	{ "1e5", "" },
	{ "true", "" },
	{ "false", "" },
	{ "null", "" },
	{ "{}", "" },
	{ "[]", "" },
	{ "[[[]]]", "" },
	{ "{\"a\":\"b\"}", ".a=b;" },
	{ "{\"a\":{\"b\":[\"c\",{\"d\":\"e\"},[\"f\"]]},\"g\":\"h\"}",
	  ".a.b[0]=c;.a.b[1].d=e;.a.b[2][0]=f;.g=h;" },
	{ "[1,\"x\",true,null,{},[],\"y\"]", "[1]=x;[6]=y;" },
	{ "{\"a\":1,\"a\":\"dup\",\"a\":\"again\"}", ".a=dup;.a=again;" },
	{ "{ \"k\" : \"v\" , \"n\" : -1 }", ".k=v;" },
	{ "{\"\":\"\"}", ".=;" },
	/* escapes, in values and in keys */
	{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "=\"\\/\\x08\\x0c\\x0a\\x0d\\x09;" },
	{ "\"\\u0041\\u00e9\\u20AC\"", "=A\\xc3\\xa9\\xe2\\x82\\xac;" },
	{ "\"\\ud83d\\ude00\"", "=\\xf0\\x9f\\x98\\x80;" },
	{ "\"\\uDBFF\\uDFFF\"", "=\\xf4\\x8f\\xbf\\xbf;" },
	{ "\"\\u0000\"", "=\\x00;" },
	{ "{\"a\\u002db\":{\"c\\nd\":\"e\\tf\"},\"g\":\"h\"}", ".a-b.c\nd=e\\x09f;.g=h;" },
	{ "{\"x\\\"\":[\"\\u00e9\"]}", ".x\"[0]=\\xc3\\xa9;" },
	/* raw UTF-8: 2, 3 and 4 bytes, the highest code point */
	{ "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"",
	  "=\\xc3\\xa9\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80\\xf4\\x8f\\xbf\\xbf;" },
	{ "\"\x7f\"", "=\\x7f;" },
};

static const char *const invalid[] = {
	"", " ", "{", "}", "[", "]", "[1,]", "[,1]", "{,}", "{\"a\":1,}", "{\"a\"}", "{\"a\":}",
	"{\"a\" 1}", "{a:1}", "{1:1}", "{\"a\":1 \"b\":2}", "[1 2]", "\"a", "\"\\\"", "'a'",
	"[\"a\"", "[\"a\",", "{\"a\":\"b\"", "{\"a\":\"b\",", "\"x\" \"y\"", "1 2", "[] []",
	"01", "-", "-a", "1.", ".1", "1.e1", "1e", "1e+", "+1", "0x1", "1.5e3.2", "Infinity",
	"NaN", "-Infinity", "tru", "truex", "nul", "nulll", "True", "[true false]",
	/* strings: control bytes, bad escapes, lone and reversed surrogates */
	"\"\t\"", "\"\n\"", "\"\x01\"", "\"\\x41\"", "\"\\a\"", "\"\\u12\"", "\"\\u12g4\"",
	"\"\\U0041\"", "\"\\ud800\"", "\"\\ud800x\"", "\"\\ud800\\u0041\"", "\"\\udc00\"",
	"\"\\udc00\\ud800\"", "\"\\ud800\\ud800\"", "\"\\", "\"\\u", "\"\\\xc3\xa9\"",
	/* UTF-8: stray continuation, overlong, surrogate, past U+10FFFF, cut */
	"\"\x80\"", "\"\xc0\xaf\"", "\"\xc1\xbf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
	"\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xff\"", "\"\xc3\"", "\"\xe2\x82\"",
	"\xc3", "\"\xe2\x82\xac", "\"\xf0\x9f\x98\"",
	/* a byte order mark, comments, a NUL after the text */
	"\xef\xbb\xbf\"x\"", "[1] // c", "/* c */ 1",
};

/* Nesting: 32 levels are fine, 33 are refused; both ways deep. */
static void check_depth(void)
{
	char buf[256];
	size_t n = 0;

	for (int i = 0; i < 32; i++)
		buf[n++] = i % 2 ? '[' : '{', n += i % 2 ? 0 : (size_t)sprintf(buf + n, "\"k\":");
	n += (size_t)sprintf(buf + n, "\"deep\"");
	for (int i = 31; i >= 0; i--)
		buf[n++] = i % 2 ? ']' : '}';
	CHECK(scan(buf, n) == 0);
	CHECK(!strncmp(got, ".k[0].k[0]", 10) && strstr(got, "=deep;"));
	memset(buf, '[', 33);
	memset(buf + 33, ']', 33);
	CHECK(scan(buf, 66) == -E2BIG);
	CHECK(scan(buf + 1, 64) == 0);
	/* a long flat array: no depth, many elements */
	{
		size_t len = 100001;
		char *big = malloc(len);

		big[0] = '[';
		for (size_t i = 1; i < len - 1; i += 2)
			big[i] = '0', big[i + 1] = ',';
		big[len - 2] = '0';
		big[len - 1] = ']';
		CHECK(scan(big, len) == 0);
		free(big);
	}
}

static int stop_at(const struct json_scan_path *p, const char *val, size_t len, void *arg)
{
	(void)p;
	++*(int *)arg;
	return len == 4 && !memcmp(val, "stop", 4) ? 42 : 0;
}

static int match_label(const struct json_scan_path *p, const char *val, size_t len, void *arg)
{
	if (json_scan_path_is(p, "Config", "Labels", "io.kubernetes.pod.name", NULL))
		snprintf(arg, 64, "%.*s", (int)len, val);
	return 0;
}

int main(void)
{
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		int ret = scan(valid[i].json, strlen(valid[i].json));

		if (ret || strcmp(got, valid[i].want))
			printf("valid case %zu '%s': %d, got '%s'\n", i, valid[i].json, ret, got);
		CHECK(ret == 0);
		CHECK_STR(got, valid[i].want);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		int ret = scan(invalid[i], strlen(invalid[i]));

		if (ret != -EINVAL)
			printf("invalid case %zu '%s': %d\n", i, invalid[i], ret);
		CHECK(ret == -EINVAL);
	}
	/* LEN ends the text, not a NUL: "1" then a NUL is not JSON. */
	CHECK(scan("1\0", 2) == -EINVAL);
	CHECK(json_scan(NULL, 0, collect, NULL) == -EINVAL);
	CHECK(scan("\"a\0b\"", 5) == -EINVAL);
	CHECK(scan("[\"x\"]garbage", 5) == 0 && !strcmp(got, "[0]=x;"));
	check_depth();
	/* The callback's return stops the scan, malformed text after it unseen. */
	{
		int calls = 0;

		CHECK(json_scan("[\"a\",\"stop\",\"b\",}", 17, stop_at, &calls) == 42 && calls == 2);
	}
	/* A path match as runtime_meta.c uses it, the key escaped in the text. */
	{
		const char *j = "{\"Name\":\"/web\",\"Config\":{\"Labels\":{\"io.kubernetes.pod.nam\\u0065\":"
				"\"p1\",\"io.kubernetes.pod.name.x\":\"no\"}},\"Labels\":{"
				"\"io.kubernetes.pod.name\":\"no\"}}";
		char name[64] = "";

		CHECK(json_scan(j, strlen(j), match_label, name) == 0);
		CHECK_STR(name, "p1");
	}
	UNIT_DONE("json_scan");
}
