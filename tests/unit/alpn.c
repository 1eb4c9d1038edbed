// SPDX-License-Identifier: GPL-2.0
/* A record's ALPN protocol: record_alpn(), its cut names, and how JSON and -x show it. */
#include "output/output.h"
#include "record/alpn.h"
#include "unit.h"

/* The one line WRITER makes of R with OPTS, into BUF. */
static void line_of(const struct output_ops *writer, struct output_opts opts,
		    const struct record *r, char *buf, size_t size)
{
	FILE *f = tmpfile();
	void *w;
	size_t n = 0;

	buf[0] = '\0';
	CHECK(f != NULL);
	if (!f)
		return;
	opts.out = f;
	w = writer->open(&opts);
	CHECK(w && writer->record(w, r) == 0 && (!writer->flush || writer->flush(w) == 0));
	if (w)
		writer->close(w);
	fflush(f);
	rewind(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static struct event event_with(const char *alpn, size_t n, __u8 len)
{
	struct event ev = { .kind = EV_DATA, .func = FUNC_SSL_WRITE, .pid = 7, .fd = -1,
			    .len = 2, .alpn_len = len };

	memcpy(ev.alpn, alpn, n);
	return ev;
}

static void check_json(const struct event *ev, const char *want, const char *absent)
{
	struct record r = { .kind = REC_DATA, .ev = ev, .data = (const uint8_t *)"hi",
			    .data_len = 2 };
	char buf[4096];

	line_of(&out_json_ops, (struct output_opts){ 0 }, &r, buf, sizeof(buf));
	if (want && !strstr(buf, want))
		printf("json: want %s in %s", want, buf);
	CHECK(!want || strstr(buf, want));
	CHECK(!absent || !strstr(buf, absent));
}

static void check_text(const struct event *ev, const char *want)
{
	struct record r = { .kind = REC_DATA, .ev = ev, .data = (const uint8_t *)"hi",
			    .data_len = 2 };
	char buf[4096];

	line_of(&out_text_ops, (struct output_opts){ .extra = true }, &r, buf, sizeof(buf));
	if (!strstr(buf, want))
		printf("text: want '%s' in %s", want, buf);
	CHECK(strstr(buf, want) != NULL);
}

int main(void)
{
	struct event none = event_with("", 0, 0), h2 = event_with("h2", 2, 2);
	struct event h1 = event_with("http/1.1", 8, 8);
	struct event full = event_with("0123456789abcdef", 16, 16);
	struct event cut = event_with("0123456789abcdef", 16, 40);
	struct event odd = event_with("a\"\\\x01\xff", 5, 5);
	size_t n;

	CHECK(record_alpn(&none, &n) == NULL && n == 0);
	CHECK(record_alpn(NULL, &n) == NULL && n == 0);
	CHECK(record_alpn(&h2, &n) == h2.alpn && n == 2 && !record_alpn_truncated(&h2));
	CHECK(record_alpn(&full, &n) && n == 16 && !record_alpn_truncated(&full));
	CHECK(record_alpn(&cut, &n) && n == 16 && record_alpn_truncated(&cut));
	CHECK(record_alpn_is(&h2, "h2") && !record_alpn_is(&h2, "h2c"));
	CHECK(!record_alpn_is(&h2, "h"));
	CHECK(record_alpn_is(&h1, "http/1.1") && !record_alpn_is(&none, "h2"));
	/* A cut name is never taken for its prefix. */
	CHECK(!record_alpn_is(&cut, "0123456789abcdef"));
	CHECK(record_alpn_is(&full, "0123456789abcdef"));

	check_json(&none, NULL, "\"alpn");
	check_json(&h2, "\"alpn\":\"h2\"", "alpn_len");
	check_json(&h1, "\"alpn\":\"http/1.1\"", NULL);
	check_json(&full, "\"alpn\":\"0123456789abcdef\"", "alpn_len");
	check_json(&cut, "\"alpn\":\"0123456789abcdef\",\"alpn_len\":40", NULL);
	check_json(&odd, "\"alpn\":\"a\\\"\\\\\\u0001", NULL);

	check_text(&h2, " - alpn h2\n");
	check_text(&cut, " - alpn 0123456789abcdef...\n");
	check_text(&odd, " - alpn a\"\\x5c\\x01\\xff\n");
	return unit_failures ? 1 : 0;
}
