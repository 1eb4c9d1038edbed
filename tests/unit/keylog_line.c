// SPDX-License-Identifier: GPL-2.0
/*
 * Go's key log lines (EV_KEYLOG_LINE, record/secrets.c): the line Go's
 * writeKeyLog gives KeyLogWriter, fmt's "%s %x %x\n", for secrets of every
 * length Go makes; parts that do not fit, could not be read or are empty,
 * and labels that are not a label, refused and counted, never cut.
 */
#include "record/decode.h"
#include "record/secrets.h"
#include "unit.h"

static uint8_t ringbuf[sizeof(struct event) + sizeof(struct keylog_line)] __attribute__((aligned(8)));

static struct keylog_line *line_event(const char *label, uint32_t random_len, uint32_t secret_len)
{
	struct event *ev = (struct event *)ringbuf;
	struct keylog_line *l = (struct keylog_line *)ev->data;

	memset(ringbuf, 0, sizeof(ringbuf));
	ev->kind = EV_KEYLOG_LINE;
	ev->func = FUNC_GO_WRITE_KEY_LOG;
	ev->chunk_len = sizeof(*l);
	ev->flags = CHUNK_LAST;
	ev->fd = -1;
	l->label_len = strlen(label);
	memcpy(l->label, label, l->label_len < sizeof(l->label) ? l->label_len : sizeof(l->label));
	l->random_len = random_len;
	l->secret_len = secret_len;
	for (size_t i = 0; i < sizeof(l->client_random); i++)
		l->client_random[i] = 0xf0 + i;	/* upper hex digits a..f: lower case wanted */
	for (size_t i = 0; i < sizeof(l->secret); i++)
		l->secret[i] = i * 37;
	return l;
}

/* The line as Go's fmt writes "%s %x %x\n", built byte by byte. */
static void go_line(const struct keylog_line *l, char *out, size_t size)
{
	size_t n = snprintf(out, size, "%.*s ", (int)l->label_len, l->label);

	for (uint32_t i = 0; i < l->random_len; i++)
		n += snprintf(out + n, size - n, "%02x", l->client_random[i]);
	n += snprintf(out + n, size - n, " ");
	for (uint32_t i = 0; i < l->secret_len; i++)
		n += snprintf(out + n, size - n, "%02x", l->secret[i]);
	snprintf(out + n, size - n, "\n");
}

struct got {
	int n;
	char last[SECRETS_LINES_MAX];
};

static int collect(const struct record *r, void *arg)
{
	struct got *g = arg;

	if (r->kind != REC_SECRETS || r->data_len >= sizeof(g->last))
		return -1;
	memcpy(g->last, r->data, r->data_len);
	g->last[r->data_len] = '\0';
	g->n++;
	return 0;
}

static int formats(const struct keylog_line *l)
{
	char buf[SECRETS_LINES_MAX];

	return secrets_format_line(l, buf, sizeof(buf)) > 0;
}

int main(void)
{
	static const char *const labels[] = {
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
		"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "CLIENT_RANDOM",
	};
	static const uint32_t secret_lens[] = { 32, 48, 48, 32, 48 };
	char want[SECRETS_LINES_MAX], buf[SECRETS_LINES_MAX];
	struct got g = {};
	struct decoder *d = decoder__new(collect, &g);
	struct keylog_line *l;
	size_t n;

	/* Go's five labels, secrets of SHA-256, SHA-384 and TLS 1.2's 48. */
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		l = line_event(labels[i], 32, secret_lens[i]);
		go_line(l, want, sizeof(want));
		n = secrets_format_line(l, buf, sizeof(buf));
		CHECK(n == strlen(want));
		CHECK_STR(buf, want);
		CHECK(!decoder__event(d, ringbuf, sizeof(ringbuf)));
		CHECK(g.n == (int)i + 1);
		CHECK_STR(g.last, want);
	}
	CHECK(!strncmp(g.last, "CLIENT_RANDOM f0f1f2f3", 22) && !strpbrk(g.last + 13, "ABCDEF\t"));
	CHECK(decoder__stats(d)->secrets == 5 && !decoder__stats(d)->keylog_refused);

	/* Lengths are the call's: what is longer than the record's room is
	 * refused, not cut; so are empty parts and what could not be read. */
	l = line_event("CLIENT_RANDOM", 33, 48);
	CHECK(!formats(l));
	l = line_event("CLIENT_RANDOM", 32, 49);
	CHECK(!formats(l));
	l = line_event("CLIENT_RANDOM", 32, 0xffffffffU);
	CHECK(!formats(l));
	l = line_event("A_LABEL_LONGER_THAN_THIRTY_TWO_BYTES", 32, 48);
	CHECK(l->label_len > SSLSNIFF_LABEL_LEN && !formats(l));
	l = line_event("CLIENT_RANDOM", 0, 48);
	CHECK(!formats(l));
	l = line_event("CLIENT_RANDOM", 32, 0);
	CHECK(!formats(l));
	l = line_event("", 32, 48);
	CHECK(!formats(l));
	l = line_event("CLIENT_RANDOM", 32, 48);
	l->flags = KEYLOG_FAULT;
	CHECK(!formats(l));
	/* Only a label may make a key log line's first field. */
	l = line_event("CLIENT_RANDOM x\nFAKE", 32, 48);
	CHECK(!formats(l));
	l = line_event("client_random", 32, 48);
	CHECK(!formats(l));
	/* A shorter random or secret is written as the call gave it (%x). */
	l = line_event("EXPORTER_SECRET", 8, 1);
	go_line(l, want, sizeof(want));
	CHECK(secrets_format_line(l, buf, sizeof(buf)) == strlen(want));
	CHECK_STR(buf, want);
	/* A buffer too small for the line: nothing, not a cut line. */
	l = line_event("CLIENT_RANDOM", 32, 48);
	CHECK(secrets_format_line(l, buf, 100) == 0);

	/* Through the decoder: refused lines are counted, no record made. */
	g.n = 0;
	l = line_event("CLIENT_RANDOM", 32, 64);
	CHECK(!decoder__event(d, ringbuf, sizeof(ringbuf)));
	CHECK(g.n == 0 && decoder__stats(d)->keylog_refused == 1);
	/* A record shorter than its line's struct is malformed. */
	CHECK(!decoder__event(d, ringbuf, sizeof(ringbuf) - 1));
	CHECK(g.n == 0 && decoder__stats(d)->malformed == 1);

	decoder__free(d);
	return unit_failures ? 1 : 0;
}
