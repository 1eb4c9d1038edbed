// SPDX-License-Identifier: GPL-2.0
/* output_conn(): the "addr:port" strings every writer prints; JSON batches. */
#include <sys/socket.h>
#include "lib/base64.h"
#include "output/output.h"
#include "unit.h"

static void check_v4(const __u8 s[4], __u16 sport, const __u8 d[4], __u16 dport,
		     const char *want_src, const char *want_dst)
{
	struct event ev = { .family = AF_INET, .sport = sport, .dport = dport };
	char src[CONN_ADDR_LEN], dst[CONN_ADDR_LEN];

	memcpy(ev.saddr, s, 4);
	memcpy(ev.daddr, d, 4);
	CHECK(output_conn(&ev, src, dst));
	CHECK_STR(src, want_src);
	CHECK_STR(dst, want_dst);
}

static size_t lines_in(FILE *f)
{
	size_t n = 0;
	int c;

	fflush(f);
	rewind(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fseek(f, 0, SEEK_END);
	return n;
}

/* The JSON writer holds whole records back until a batch fills or a flush. */
static void check_json_batches(void)
{
	static uint8_t data[100 << 10];
	struct event ev = { .kind = EV_DATA, .func = FUNC_SSL_WRITE, .len = sizeof(data),
			    .pid = 7, .fd = -1 };
	struct record r = { .kind = REC_DATA, .ev = &ev, .data = data, .data_len = sizeof(data) };
	FILE *f = tmpfile();
	struct output_opts opts = { .out = f };
	void *w = f ? out_json_ops.open(&opts) : NULL;
	char *b64 = malloc(base64_len(sizeof(data)) + 1), *line = NULL;
	size_t cap = 0;

	CHECK(f && w && b64 && out_json_ops.batches && out_json_ops.flush);
	if (!f || !w || !b64)
		return;
	setvbuf(f, NULL, _IONBF, 0);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = i * 7;
	CHECK(out_json_ops.record(w, &r) == 0 && lines_in(f) == 0);
	/* 2 x 136 KiB of base64: past the 256 KiB batch, both written. */
	CHECK(out_json_ops.record(w, &r) == 0 && lines_in(f) == 2);
	CHECK(out_json_ops.record(w, &r) == 0 && lines_in(f) == 2);
	CHECK(out_json_ops.flush(w) == 0 && lines_in(f) == 3);
	CHECK(out_json_ops.flush(w) == 0 && lines_in(f) == 3);
	base64_encode(b64, data, sizeof(data));
	b64[base64_len(sizeof(data))] = '\0';
	rewind(f);
	for (int i = 0; i < 3; i++) {
		ssize_t n = getline(&line, &cap, f);

		CHECK(n > 0 && line[0] == '{' && !strcmp(line + n - 2, "}\n"));
		CHECK(n > 0 && strstr(line, b64) && strstr(line, "\"pid\":7,"));
	}
	free(line);
	free(b64);
	out_json_ops.close(w);
	fclose(f);
}

int main(void)
{
	static const __u8 zero[4], all[4] = { 255, 255, 255, 255 }, lo[4] = { 127, 0, 0, 1 },
			  mixed[4] = { 10, 20, 199, 9 };
	struct event ev = { .family = AF_INET6, .sport = 8443, .dport = 50000 };
	char src[CONN_ADDR_LEN], dst[CONN_ADDR_LEN];

	check_v4(zero, 0, all, 65535, "0.0.0.0:0", "255.255.255.255:65535");
	check_v4(lo, 443, mixed, 1, "127.0.0.1:443", "10.20.199.9:1");
	ev.saddr[15] = 1;
	ev.daddr[0] = 0xfe;
	ev.daddr[1] = 0x80;
	ev.daddr[15] = 0x2a;
	CHECK(output_conn(&ev, src, dst));
	CHECK_STR(src, "[::1]:8443");
	CHECK_STR(dst, "[fe80::2a]:50000");
	ev.family = 0;
	CHECK(!output_conn(&ev, src, dst) && !src[0] && !dst[0]);
	check_json_batches();
	UNIT_DONE("output");
}
