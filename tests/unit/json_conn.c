// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer's cache of a connection's members (output/json_conn.c):
 * every object is the one a writer that never saw the connection makes,
 * whatever changed in the header since the last call (another connection
 * on the same fd, a cipher and ALPN after the handshake, a comm after
 * exec, another thread, a handshake record after data ones), and with
 * more connections than the cache has slots.
 */
#include <sys/socket.h>
#include "output/json_conn.h"
#include "output/output.h"
#include "tls_funcs.h"
#include "unit.h"

struct writer {
	FILE *f;
	void *w;
};

static bool writer_open(struct writer *wr)
{
	struct output_opts opts = { 0 };

	wr->f = tmpfile();
	if (!wr->f)
		return false;
	setvbuf(wr->f, NULL, _IONBF, 0);
	opts.out = wr->f;
	wr->w = out_json_ops.open(&opts);
	return wr->w;
}

static void writer_close(struct writer *wr)
{
	if (wr->w)
		out_json_ops.close(wr->w);
	if (wr->f)
		fclose(wr->f);
}

/* R's object as WR writes it now, into BUF. */
static void line_of(struct writer *wr, const struct record *r, char *buf, size_t size)
{
	size_t n;

	buf[0] = '\0';
	rewind(wr->f);
	if (ftruncate(fileno(wr->f), 0))
		return;
	CHECK(out_json_ops.record(wr->w, r) == 0 && out_json_ops.flush(wr->w) == 0);
	rewind(wr->f);
	n = fread(buf, 1, size - 1, wr->f);
	buf[n] = '\0';
}

/* R through the long-lived writer LIVE and through a fresh one: the same
 * bytes, and with WANT in them. */
static void check_same(struct writer *live, const struct record *r, const char *want)
{
	char got[4096], ref[4096];
	struct writer fresh = { 0 };

	CHECK(writer_open(&fresh));
	if (!fresh.w) {
		writer_close(&fresh);
		return;
	}
	line_of(live, r, got, sizeof(got));
	line_of(&fresh, r, ref, sizeof(ref));
	CHECK_STR(got, ref);
	if (want && !strstr(got, want)) {
		printf("%s:%d: '%s' not in %s", __FILE__, __LINE__, want, got);
		unit_failures++;
	}
	writer_close(&fresh);
}

static void event_init(struct event *ev)
{
	static const __u8 lo[4] = { 127, 0, 0, 1 };

	memset(ev, 0, sizeof(*ev));
	ev->kind = EV_DATA;
	ev->func = FUNC_SSL_WRITE;
	ev->pid = 700;
	ev->tid = 700;
	ev->uid = 1000;
	ev->fd = 8;
	ev->fd_source = FD_SRC_STRUCT;
	ev->family = AF_INET;
	ev->sport = 40000;
	ev->dport = 443;
	memcpy(ev->saddr, lo, 4);
	memcpy(ev->daddr, lo, 4);
	strcpy(ev->comm, "client");
	ev->tls_version = 0x0304;
	ev->cipher_id = 0x1301;
	strcpy(ev->cipher, "TLS_AES_128_GCM_SHA256");
	ev->alpn_len = 8;
	memcpy(ev->alpn, "http/1.1", 8);
}

static void check_changes(struct writer *live)
{
	static const uint8_t data[] = "GET / HTTP/1.1\r\n\r\n";
	struct event ev;
	struct record r = { .kind = REC_DATA, .ev = &ev, .data = data,
			    .data_len = sizeof(data) - 1 };

	event_init(&ev);
	ev.len = ev.cap_len = r.data_len;
	check_same(live, &r, "\"dst\":\"127.0.0.1:443\"");
	check_same(live, &r, "\"direction\":\"write\"");
	/* The fd closed and reused for another connection. */
	ev.dport = 8443;
	check_same(live, &r, "\"dst\":\"127.0.0.1:8443\"");
	ev.daddr[3] = 2;
	check_same(live, &r, "\"dst\":\"127.0.0.2:8443\"");
	ev.sport = 40001;
	check_same(live, &r, "\"src\":\"127.0.0.1:40001\"");
	/* The handshake done: another cipher, and ALPN chose h2. */
	ev.cipher_id = 0x1302;
	strcpy(ev.cipher, "TLS_AES_256_GCM_SHA384");
	check_same(live, &r, "\"cipher\":\"TLS_AES_256_GCM_SHA384\"");
	ev.alpn_len = 2;
	memcpy(ev.alpn, "h2\0\0\0\0\0\0", 8);
	check_same(live, &r, "\"alpn\":\"h2\"");
	ev.tls_version = 0x0303;
	check_same(live, &r, "\"tls_version\":\"TLSv1.2\"");
	/* exec: the same pid and fd, another comm. */
	strcpy(ev.comm, "other");
	check_same(live, &r, "\"comm\":\"other\"");
	ev.tid = 701;
	check_same(live, &r, "\"tid\":701,");
	ev.uid = 0;
	check_same(live, &r, "\"uid\":0,");
	ev.func = FUNC_SSL_READ;
	check_same(live, &r, "\"direction\":\"read\"");
	ev.fd_source = FD_SRC_SYSCALL;
	check_same(live, &r, "\"fd_source\":\"syscall\"");
	ev.fd = -1;
	ev.fd_source = FD_SRC_NONE;
	check_same(live, &r, "\"latency_ns\":0,\"src\"");
	ev.family = 0;
	check_same(live, &r, "\"latency_ns\":0,\"tls_version\"");
	ev.tls_version = 0;
	ev.cipher_id = 0;
	ev.cipher[0] = '\0';
	ev.alpn_len = 0;
	check_same(live, &r, "\"latency_ns\":0,\"direction\"");
	/* A handshake record of the same connection has no direction. */
	r.kind = REC_HANDSHAKE;
	ev.kind = EV_HANDSHAKE;
	check_same(live, &r, "\"latency_ns\":0,\"ret\":0}");
	r.kind = REC_DATA;
	ev.kind = EV_DATA;
	check_same(live, &r, "\"latency_ns\":0,\"direction\"");
}

/* More connections than slots, in turn: each slot changes hands. */
static void check_many(struct writer *live)
{
	static const uint8_t data[] = "x";
	struct event ev;
	struct record r = { .kind = REC_DATA, .ev = &ev, .data = data, .data_len = 1 };
	char want[64];

	event_init(&ev);
	ev.len = ev.cap_len = 1;
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < JSON_CONN_SLOTS + 50; i++) {
			ev.fd = i;
			ev.sport = 20000 + i;
			snprintf(want, sizeof(want), "\"fd\":%d,", i);
			check_same(live, &r, want);
		}
	}
}

int main(void)
{
	struct writer live = { 0 };

	CHECK(writer_open(&live));
	if (live.w) {
		check_changes(&live);
		check_many(&live);
	}
	writer_close(&live);
	UNIT_DONE("json_conn");
}
