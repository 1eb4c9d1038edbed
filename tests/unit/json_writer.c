// SPDX-License-Identifier: GPL-2.0
#include "lib/json_writer.h"
#include "unit.h"

static char out[4096];

static const char *terminated(const struct jsonw *w)
{
	memcpy(out, w->sb.buf, w->sb.len);
	out[w->sb.len] = '\0';
	return out;
}

static const char *render_string(struct jsonw *w, const char *s, size_t n)
{
	jsonw_reset(w);
	jsonw_string(w, s, n);
	return terminated(w);
}

static const char *render_b64(struct jsonw *w, const char *s, size_t n)
{
	jsonw_reset(w);
	jsonw_base64(w, (const uint8_t *)s, n);
	return terminated(w);
}

int main(void)
{
	struct jsonw w = {};

	CHECK_STR(render_string(&w, "curl", 4), "\"curl\"");
	CHECK_STR(render_string(&w, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	/* Every byte below 0x20 is escaped, NUL included. */
	CHECK_STR(render_string(&w, "\n\t\x01\0z", 5), "\"\\u000a\\u0009\\u0001\\u0000z\"");
	/* Valid UTF-8 passes, invalid bytes are escaped one by one. */
	CHECK_STR(render_string(&w, "\xc3\xa9", 2), "\"\xc3\xa9\"");
	CHECK_STR(render_string(&w, "\xff\xc3", 2), "\"\\u00ff\\u00c3\"");
	CHECK_STR(render_string(&w, "\xc0\xaf", 2), "\"\\u00c0\\u00af\"");	/* overlong */
	CHECK_STR(render_string(&w, "\xed\xa0\x80", 3), "\"\\u00ed\\u00a0\\u0080\"");
	CHECK_STR(render_string(&w, "\xf0\x9f\x98\x80", 4), "\"\xf0\x9f\x98\x80\"");
	CHECK_STR(render_string(&w, "\xf0\x9f\x98", 3), "\"\\u00f0\\u009f\\u0098\"");

	/* Each byte that needs escaping, at every place in and past the
	 * eight-byte steps of the plain prefix. */
	for (int pos = 0; pos < 20; pos++) {
		static const char special[] = "\"\\\x01\x7f\xc3";
		for (const char *c = special; *c; c++) {
			char in[21], want[64], *q = want;

			memset(in, 'a', 20);
			in[20] = '\0';
			in[pos] = *c;
			*q++ = '"';
			for (int i = 0; i < 20; i++) {
				if (i != pos)
					*q++ = 'a';
				else if (*c == '"' || *c == '\\')
					q += sprintf(q, "\\%c", *c);
				else if (*c == '\x7f')
					*q++ = 0x7f;
				else
					q += sprintf(q, "\\u%04x", (unsigned char)*c);
			}
			*q++ = '"';
			*q = '\0';
			CHECK_STR(render_string(&w, in, 20), want);
		}
	}

	CHECK_STR(render_b64(&w, "", 0), "\"\"");
	CHECK_STR(render_b64(&w, "f", 1), "\"Zg==\"");
	CHECK_STR(render_b64(&w, "fo", 2), "\"Zm8=\"");
	CHECK_STR(render_b64(&w, "foo", 3), "\"Zm9v\"");
	CHECK_STR(render_b64(&w, "foobar", 6), "\"Zm9vYmFy\"");
	CHECK_STR(render_b64(&w, "\xff\xfe\x00", 3), "\"//4A\"");

	jsonw_reset(&w);
	jsonw_start_object(&w);
	jsonw_string_field(&w, "a", "x");
	jsonw_uint_field(&w, "n", 18446744073709551615ULL);
	jsonw_int_field(&w, "r", -5);
	jsonw_end_object(&w);
	CHECK(w.sb.len == strlen("{\"a\":\"x\",\"n\":18446744073709551615,\"r\":-5}\n"));
	CHECK(!memcmp(w.sb.buf, "{\"a\":\"x\",\"n\":18446744073709551615,\"r\":-5}\n", w.sb.len));
	CHECK(!jsonw_error(&w));

	/* An object as a member's value, and members after it. */
	jsonw_reset(&w);
	jsonw_start_object(&w);
	jsonw_uint_field(&w, "a", 1);
	jsonw_name(&w, "o");
	jsonw_start_object(&w);
	jsonw_name(&w, "p");
	jsonw_start_object(&w);
	jsonw_uint_field(&w, "x", 2);
	jsonw_end_object(&w);
	jsonw_uint_field(&w, "y", 3);
	jsonw_end_object(&w);
	jsonw_uint_field(&w, "z", 4);
	jsonw_end_object(&w);
	CHECK_STR(terminated(&w), "{\"a\":1,\"o\":{\"p\":{\"x\":2},\"y\":3},\"z\":4}\n");

	/* Arrays of arrays and of objects, scalars, booleans and null. */
	jsonw_reset(&w);
	jsonw_start_object(&w);
	jsonw_name(&w, "h");
	jsonw_start_array(&w);
	jsonw_start_array(&w);
	jsonw_elem(&w);
	jsonw_string(&w, "a", 1);
	jsonw_elem(&w);
	jsonw_null(&w);
	jsonw_end_array(&w);
	jsonw_start_array(&w);
	jsonw_end_array(&w);
	jsonw_start_object(&w);
	jsonw_bool_field(&w, "t", true);
	jsonw_end_object(&w);
	jsonw_end_array(&w);
	jsonw_bool_field(&w, "f", false);
	jsonw_end_object(&w);
	CHECK_STR(terminated(&w), "{\"h\":[[\"a\",null],[],{\"t\":true}],\"f\":false}\n");
	jsonw_free(&w);
	UNIT_DONE("json_writer");
}
