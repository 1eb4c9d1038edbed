// SPDX-License-Identifier: GPL-2.0
/*
 * sslsniff's user space per record, without the kernel: ring records made
 * as the BPF program makes them (struct event headers, calls cut into
 * CHUNK_MAX chunks) for the bench's traffic, wrk against nginx over
 * keep-alive HTTP/1.1, fed through what session.c does with each one
 * (the decoder, the identity lookup, the HTTP stage, the writer) into
 * /dev/null. Prints the CPU time per record and per MiB captured for each
 * size and writer, so that every change to that path is measured.
 *
 *   replay [SECONDS-PER-CASE] [SIZE...]     SIZE: 1k 64k 1m; -N: N rounds instead
 *   REPLAY_OUTPUTS="json pcapng" replay ...  only these writers (perf record)
 *   REPLAY_DIR=DIR replay ...                 output to DIR/SIZE.WRITER, not /dev/null
 *                                             (to compare two builds' bytes)
 *   REPLAY_RAW=1 replay ...                   without the HTTP stage (--raw)
 *
 * The identity lookup is the real one (cgroup/identity.c) for this
 * process's own cgroup (the pids are made up, so that two builds' output
 * compares: the path then comes from the id, as root): resolved once, then
 * its cache, as for a long-lived traced program. Each exchange is four calls: wrk's SSL_write
 * of the request and nginx's SSL_read of it, nginx's SSL_write of the
 * response (head and body in one call) and wrk's SSL_read of it whole, on
 * 16 connections taken in turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "cgroup/cgroup_layout.h"
#include "cgroup/identity.h"
#include "output/output.h"
#include "output/summary.h"
#include "proto/proto.h"
#include "record/decode.h"
#include "sslsniff.h"
#include "tls_funcs.h"

#define REPLAY_CONNS		16
#define REPLAY_CALLS		4	/* per exchange */
#define REPLAY_FLUSH_EVERY	64	/* ring records per poll round */

enum replay_end { END_WRK, END_NGINX };

/* The pipeline of one (size, writer) case: session.c's per-record path. */
struct replay {
	const struct output_ops *ops;
	void *out;
	FILE *f;
	struct decoder *dec;
	struct identities *ids;
	struct proto *proto;
	struct counters counters;
	uint64_t records, bytes;
	int err;
};

/* One ring record: a chunk's header and its bytes, as the ring holds them. */
struct ring_rec {
	struct event *ev;
	size_t size;
};

struct script {
	struct ring_rec *recs;
	size_t nr, cap;
	uint64_t call_id;
};

/* What session_record() and session_write() do with each record. */
static int replay_record(const struct record *r, void *arg)
{
	struct replay *rp = arg;
	struct record rec = *r;
	int err;

	rec.who = identities__of(rp->ids, r->ev);
	err = rp->proto ? proto__record(rp->proto, &rec) : 0;
	if (err)
		return err;
	counters_count(&rp->counters, &rec);
	rp->records++;
	rp->bytes += rec.data_len;
	return rp->ops->record(rp->out, &rec);
}

static void replay_flush(struct replay *rp)
{
	if (rp->ops->flush)
		rp->ops->flush(rp->out);
	fflush(rp->f);
}

static int script_add(struct script *s, const struct event *hdr, const void *data,
		      uint32_t off, uint32_t n, bool last)
{
	struct ring_rec *r;

	if (s->nr == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		r = realloc(s->recs, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		s->recs = r;
		s->cap = cap;
	}
	r = &s->recs[s->nr];
	/* The ring keeps records 8-aligned, as malloc does. */
	r->size = sizeof(*hdr) + n;
	r->ev = malloc(r->size);
	if (!r->ev)
		return -ENOMEM;
	*r->ev = *hdr;
	r->ev->offset = off;
	r->ev->chunk_len = n;
	r->ev->flags = last ? CHUNK_LAST : 0;
	memcpy(r->ev->data, (const char *)data + off, n);
	s->nr++;
	return 0;
}

/* One call, cut as the BPF program cuts it. */
static int script_call(struct script *s, struct event *hdr, const void *data, uint32_t len)
{
	uint32_t off = 0;
	int err = 0;

	hdr->call_id = ++s->call_id;
	hdr->ts_ns += 1000;
	hdr->len = hdr->cap_len = len;
	do {
		uint32_t n = len - off < CHUNK_MAX ? len - off : CHUNK_MAX;

		err = script_add(s, hdr, data, off, n, off + n == len);
		off += n;
	} while (!err && off < len);
	return err;
}

/* This process's cgroup v2 id (its directory's inode), 0 when unknown. */
static uint64_t own_cgroup_id(void)
{
	char line[512], path[600];
	struct stat st;
	FILE *f = fopen("/proc/self/cgroup", "r");
	uint64_t id = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(path, sizeof(path), "/sys/fs/cgroup%s", line + 3);
		if (!stat(path, &st))
			id = st.st_ino;
	}
	fclose(f);
	return id;
}

/* What the BPF side fills for END's calls on connection CONN. */
static void event_header(struct event *ev, enum replay_end end, int conn, enum tls_func func)
{
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	uint16_t wrk_port = 40000 + conn, nginx_port = 8443;

	memset(ev, 0, sizeof(*ev));
	ev->kind = EV_DATA;
	ev->func = func;
	ev->ts_ns = 1000000000ULL;
	ev->latency_ns = 4000;
	ev->handle = 0x5555deadb000ULL + conn * 0x1000 + end * 0x100000;
	ev->cgroup_id = own_cgroup_id();
	ev->pid = end == END_WRK ? 4242 : 5151;
	ev->tid = ev->pid;
	ev->uid = end == END_NGINX ? 33 : 0;
	ev->fd = 8 + conn;
	ev->fd_source = FD_SRC_STRUCT;
	ev->family = AF_INET;
	ev->sport = end == END_WRK ? wrk_port : nginx_port;
	ev->dport = end == END_WRK ? nginx_port : wrk_port;
	memcpy(ev->saddr, lo, 4);
	memcpy(ev->daddr, lo, 4);
	strcpy(ev->comm, end == END_WRK ? "wrk" : "nginx");
	ev->tls_version = 0x0304;
	ev->cipher_id = 0x1302;
	strcpy(ev->cipher, "TLS_AES_256_GCM_SHA384");
	ev->alpn_len = 8;
	memcpy(ev->alpn, "http/1.1", 8);
}

static char *response(size_t body, size_t *len)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
			 "Date: Wed, 02 Dec 2026 00:52:18 GMT\r\n"
			 "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n"
			 "Last-Modified: Tue, 01 Dec 2026 23:10:05 GMT\r\n"
			 "Connection: keep-alive\r\nETag: \"692e2e9d-%zx\"\r\n"
			 "Accept-Ranges: bytes\r\n\r\n", body, body);
	char *r = malloc(n + body);

	if (!r)
		return NULL;
	memcpy(r, head, n);
	/* A random file's bytes, as the bench serves. */
	srandom(body);
	for (size_t i = 0; i < body; i++)
		r[n + i] = random();
	*len = n + body;
	return r;
}

/* One exchange on each connection: the ring records of a round. */
static int script_build(struct script *s, const char *name, size_t body)
{
	char req[128];
	size_t resp_len;
	char *resp = response(body, &resp_len);
	int req_len = snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n\r\n",
			       name);
	int err = resp ? 0 : -ENOMEM;

	for (int c = 0; c < REPLAY_CONNS && !err; c++) {
		struct event wrk_w, nginx_r, nginx_w, wrk_r;

		event_header(&wrk_w, END_WRK, c, FUNC_SSL_WRITE);
		event_header(&nginx_r, END_NGINX, c, FUNC_SSL_READ);
		event_header(&nginx_w, END_NGINX, c, FUNC_SSL_WRITE);
		event_header(&wrk_r, END_WRK, c, FUNC_SSL_READ);
		err = script_call(s, &wrk_w, req, req_len);
		if (!err)
			err = script_call(s, &nginx_r, req, req_len);
		if (!err)
			err = script_call(s, &nginx_w, resp, resp_len);
		if (!err)
			err = script_call(s, &wrk_r, resp, resp_len);
	}
	free(resp);
	return err;
}

static void script_free(struct script *s)
{
	for (size_t i = 0; i < s->nr; i++)
		free(s->recs[i].ev);
	free(s->recs);
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Each round's calls get new ids and later times, as new calls would. */
static void script_advance(struct script *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		s->recs[i].ev->call_id += s->nr;
		s->recs[i].ev->ts_ns += 1000000;
	}
}

static int replay_open(struct replay *rp, const struct output_ops *ops, const char *path,
		       const struct cgroup_layout *layout)
{
	struct output_opts oo = { .realtime_offset_ns = 1700000000000000000LL };

	memset(rp, 0, sizeof(*rp));
	rp->ops = ops;
	rp->f = fopen(path, "w");
	if (!rp->f)
		return -errno;
	if (ops->batches)
		setvbuf(rp->f, NULL, _IONBF, 0);
	oo.out = rp->f;
	rp->out = ops->open(&oo);
	rp->dec = decoder__new(replay_record, rp);
	rp->ids = identities__new(layout, NULL);
	rp->proto = getenv("REPLAY_RAW") ? NULL : proto__new();
	if (!rp->out || !rp->dec || !rp->ids || (!getenv("REPLAY_RAW") && !rp->proto))
		return -ENOMEM;
	return 0;
}

static void replay_close(struct replay *rp)
{
	if (rp->out) {
		replay_flush(rp);
		rp->ops->close(rp->out);
	}
	decoder__free(rp->dec);
	identities__free(rp->ids);
	proto__free(rp->proto);
	if (rp->f)
		fclose(rp->f);
}

static int replay_round(struct replay *rp, struct script *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		int err = decoder__event(rp->dec, s->recs[i].ev, s->recs[i].size);

		if (err)
			return err;
		if (i % REPLAY_FLUSH_EVERY == REPLAY_FLUSH_EVERY - 1)
			replay_flush(rp);
	}
	replay_flush(rp);
	script_advance(s);
	return 0;
}

static int replay_case(const char *size, size_t body, const char *writer, double seconds,
		       const struct cgroup_layout *layout)
{
	const struct output_ops *ops = strcmp(writer, "pcapng") ? output_find(writer)
								 : &out_pcapng_ops;
	const char *dir = getenv("REPLAY_DIR");
	char path[4096] = "/dev/null";
	struct script s = {};
	struct replay rp;
	double t0, t;
	int err = script_build(&s, size, body);

	if (dir)
		snprintf(path, sizeof(path), "%s/%s.%s", dir, size, writer);
	if (!err)
		err = replay_open(&rp, ops, path, layout);
	/* One round first: the identity resolved, buffers grown. */
	if (!err)
		err = replay_round(&rp, &s);
	rp.records = rp.bytes = 0;
	t0 = cpu_seconds();
	for (int n = 0; !err && (seconds < 0 ? n < -seconds : (t = cpu_seconds() - t0) < seconds);
	     n++)
		err = replay_round(&rp, &s);
	t = cpu_seconds() - t0;
	if (err) {
		fprintf(stderr, "replay %s %s: %s\n", size, writer, strerror(-err));
	} else {
		printf("| %s | %s | %lu | %.0f | %.0f | %.2f |\n", size, writer, rp.records,
		       t * 1e9 / rp.records, t * 1e9 / (rp.bytes / 1048576.0),
		       t / (rp.bytes / 1073741824.0));
	}
	replay_close(&rp);
	script_free(&s);
	return err;
}

static size_t size_bytes(const char *name)
{
	char *end;
	size_t n = strtoul(name, &end, 10);

	if (*end == 'k')
		n <<= 10;
	else if (*end == 'm')
		n <<= 20;
	return n;
}

int main(int argc, char **argv)
{
	static const char *const writers[] = { "json", "pcapng", "text" };
	static const char *const sizes[] = { "1k", "64k", "1m" };
	static struct cgroup_layout layout;
	double seconds = argc > 1 ? atof(argv[1]) : 2;
	const char *const *sz = argc > 2 ? (const char *const *)argv + 2 : sizes;
	int nr_sz = argc > 2 ? argc - 2 : 3, err = 0;
	const char *only = getenv("REPLAY_OUTPUTS");

	if (cgroup_layout__read(&layout))
		fprintf(stderr, "replay: no cgroup layout: records without paths\n");
	printf("| size | output | records | ns/record | ns/MiB | s/GiB |\n");
	printf("|---|---|---|---|---|---|\n");
	for (int i = 0; i < nr_sz && !err; i++) {
		for (size_t j = 0; j < sizeof(writers) / sizeof(*writers) && !err; j++) {
			if (only && !strstr(only, writers[j]))
				continue;
			err = replay_case(sz[i], size_bytes(sz[i]), writers[j], seconds, &layout);
		}
	}
	return err ? 1 : 0;
}
