// SPDX-License-Identifier: GPL-2.0
/*
 * A capture session: load the BPF program, attach to the libraries that the
 * options select, then stream ring-buffer records through the decoder to a
 * writer until stopped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "target/attach.h"
#include "btf/bpf_load.h"
#include "session.h"
#include "record/decode.h"
#include "target/detect.h"
#include "target/discover.h"
#include "output/keylog.h"
#include "btf/layout.h"
#include "lib/log.h"
#include "source/ring.h"
#include "sslsniff.skel.h"
#include "output/summary.h"
#include "tls_funcs.h"
#include "target/watch.h"

#define LDCACHE_PATH		"/etc/ld.so.cache"
/* Also the most a record waits below a wake-up batch (targ_wake_bytes). */
#define POLL_TIMEOUT_MS		50

volatile sig_atomic_t exiting;

struct capture {
	const struct options *opts;
	struct sslsniff_bpf *skel;	/* the first program instance */
	struct attacher *att;
	struct layouts *layouts;	/* program instances, by library layout */
	struct watcher *watch;
	struct ring_reader *rb;
	struct decoder *dec;
	const struct capture_output *outs;
	void *out[CAPTURE_MAX_OUTPUTS];	/* each writer's state */
	int nr_outs;
	struct keylog *keylog;		/* --keylog, or NULL */
	int out_err;
	struct summary *summary;	/* --summary-json, or NULL */
	bool ready;		/* start-up attachment is done */
	bool syscalls_on;	/* raw_tp/sys_enter attached */
	uint64_t bpf_stats[STAT__MAX];
};

static int capture_open_bpf(struct capture *c)
{
	const struct options *o = c->opts;
	int err;

	c->layouts = layouts__load(o);
	if (!c->layouts)
		return -errno;
	c->skel = layouts__first(c->layouts);
	c->skel->links.raw_tp_process_exit = bpf_program__attach(c->skel->progs.raw_tp_process_exit);
	if (!c->skel->links.raw_tp_process_exit) {
		err = -errno;
		p_err("bpf: cannot attach to sched_process_exit: %s", strerror(-err));
		return err;
	}
	if (o->watch) {
		c->skel->links.raw_tp_process_exec =
			bpf_program__attach(c->skel->progs.raw_tp_process_exec);
		if (!c->skel->links.raw_tp_process_exec) {
			err = -errno;
			p_err("bpf: cannot watch for new processes (sched_process_exec): %s",
			      strerror(-err));
			return err;
		}
	}
	for (int i = 0; i < o->nr_pids; i++) {
		__u32 pid = o->pids[i];
		__u8 one = 1;

		bpf_map__update_elem(c->skel->maps.watched_pids, &pid, sizeof(pid), &one,
				     sizeof(one), BPF_ANY);
	}
	return 0;
}

/*
 * The socket syscalls inside TLS calls are watched only once a process may
 * need them (attacher__needs_syscalls(), or a call whose socket neither its
 * library's structs nor a syscall gave: syscalls_wanted): the handler runs
 * on every syscall of the machine, which costs traced programs that name
 * their sockets to OpenSSL (nginx, wrk) a few percent for nothing. Once
 * attached it stays.
 */
static void capture_watch_syscalls(struct capture *c, const char *why, int pid)
{
	struct bpf_link *link;

	if (c->syscalls_on)
		return;
	link = bpf_program__attach(c->skel->progs.raw_tp_sys_enter);
	if (!link) {
		/* Sockets then come from the structs only: say so, go on. */
		p_warn("bpf: cannot watch socket syscalls (sys_enter): %s; connections from "
		       "the libraries' structs only", strerror(errno));
	} else if (why) {
		p_debug("bpf: watching the socket syscalls inside TLS calls, for '%s' (pid %d)",
			why, pid);
	} else {
		p_debug("bpf: watching the socket syscalls inside TLS calls: a call's socket "
			"was not in its library's structs");
	}
	c->skel->links.raw_tp_sys_enter = link;
	c->syscalls_on = true;
}

struct discover_ctx {
	struct capture *c;
	int pid;	/* attach for this process only; -1: all */
};

/* Attach failures are reported where they happen; the walk goes on. */
static int capture_discovered(const char *path, int pid, bool named_tls, void *arg)
{
	struct discover_ctx *dc = arg;
	int n;

	n = attacher__add_file(dc->c->att, path, 0, dc->pid);
	if (pid > 0 && !dc->c->syscalls_on && attacher__needs_syscalls(dc->c->att, path, dc->pid))
		capture_watch_syscalls(dc->c, path, pid);
	if (n < 0 && named_tls)
		p_warn("discover: '%s': not attached: %s", path, strerror(-n));
	if (n > 0 && dc->c->ready)
		p_info("attached %d probes to '%s' (mapped by pid %d)", n, path, pid);
	return n == -ENOMEM ? n : 0;
}

static int capture_attach_libs(struct capture *c)
{
	const struct options *o = c->opts;

	for (int i = 0; i < o->nr_libs; i++) {
		const struct lib_arg *l = &o->libs[i];
		int npids = o->nr_pids ? o->nr_pids : 1;

		for (int j = 0; j < npids; j++) {
			int n = attacher__add_file(c->att, l->path, l->lib, o->nr_pids ? o->pids[j] : -1);

			if (n == 0 && !j) {
				p_err("--lib %s:%s: the file defines none of the %s functions",
				      tls_library_name(l->lib), l->path, tls_library_name(l->lib));
				return -ENOENT;
			}
			if (n < 0) {
				p_err("--lib %s:%s: %s", tls_library_name(l->lib), l->path,
				      n == -ENOEXEC ? "not an ELF executable or library"
						    : strerror(-n));
				return n;
			}
		}
	}
	return 0;
}

static void capture_progs(const struct tls_detect *d, struct attach_progs *p, void *arg)
{
	struct capture *c = arg;

	layouts__progs(c->layouts, d, p);
}

static int capture_attach(struct capture *c)
{
	const struct options *o = c->opts;
	struct attach_opts ao = {
		.progs = capture_progs,
		.ctx = c,
		.libs = o->lib_mask,
		.handshake = o->handshake,
		.probe_entry = o->probe_entry,
	};
	struct discover_ctx dc = { .c = c, .pid = -1 };
	int err;

	c->att = attacher__new(&ao);
	if (!c->att)
		return -ENOMEM;
	err = capture_attach_libs(c);
	if (err)
		return err;
	for (int i = 0; i < o->nr_pids && !err; i++) {
		dc.pid = o->pids[i];
		err = discover_process(o->pids[i], capture_discovered, &dc);
		if (err == -ESRCH)
			p_err("no process with PID %d (it may have exited)", o->pids[i]);
	}
	if (!o->nr_pids && !err) {
		discover_ldcache(LDCACHE_PATH, capture_discovered, &dc);
		err = discover_all_processes(capture_discovered, &dc);
	}
	if (err)
		return err;
	if (!attacher__nr_probes(c->att)) {
		if (o->nr_pids)
			p_err("no TLS library in the given process(es): looked for libssl, libgnutls "
			      "and libnspr4 in /proc/PID/maps and for SSL_write in the executable; "
			      "name a file with --lib TYPE:PATH");
		else
			p_err("no TLS library found: looked for libssl, libgnutls and libnspr4 in "
			      "%s and /proc/*/maps; name a file with --lib TYPE:PATH", LDCACHE_PATH);
		return -ENOENT;
	}
	return 0;
}

static void capture_output_failed(struct capture *c, const struct capture_output *o, int err)
{
	if (c->out_err)
		return;
	c->out_err = err;
	/* The reader went away (sslsniff | head): a normal end. */
	if (err != -EPIPE)
		p_err("output: '%s': write failed: %s", o->name, strerror(-err));
}

/* Writers hold output back between poll rounds: fewer, larger writes. */
static void capture_flush(struct capture *c)
{
	for (int i = 0; i < c->nr_outs; i++) {
		const struct output_ops *ops = c->outs[i].ops;
		int err = ops->flush && c->out[i] ? ops->flush(c->out[i]) : 0;

		if (!err && fflush(c->outs[i].opts.out))
			err = -errno;
		if (err)
			capture_output_failed(c, &c->outs[i], err);
	}
}

/* Writers with input of their own (the pcapng's captured packets). */
static void capture_poll_outputs(struct capture *c)
{
	for (int i = 0; i < c->nr_outs && !c->out_err; i++) {
		int err = c->outs[i].ops->poll ? c->outs[i].ops->poll(c->out[i]) : 0;

		if (err)
			capture_output_failed(c, &c->outs[i], err);
	}
}

static int capture_record(const struct record *r, void *arg)
{
	struct capture *c = arg;
	int err;

	summary__count(c->summary, r);
	if (r->ev->kind == EV_HANDSHAKE && !c->opts->handshake)
		return 0;
	for (int i = 0; i < c->nr_outs; i++) {
		err = c->outs[i].ops->record(c->out[i], r);
		if (err) {
			capture_output_failed(c, &c->outs[i], err);
			return err;
		}
	}
	return 0;
}

/* A connection's secrets: its key log lines, to the key log file and, with
 * --keylog-embed, into the pcapng before the connection's packets. */
static int capture_secrets(struct capture *c, const struct event *ev, size_t size)
{
	char lines[KEYLOG_LINES_MAX];
	size_t n;
	int err;

	if (size < sizeof(*ev) + sizeof(struct tls_secrets))
		return 0;
	n = keylog_format(ev, (const struct tls_secrets *)ev->data, lines, sizeof(lines));
	if (!n)
		return 0;
	for (int i = 0; c->opts->keylog_embed && i < c->nr_outs; i++) {
		if (!c->outs[i].ops->secrets)
			continue;
		err = c->outs[i].ops->secrets(c->out[i], ev, lines, n);
		if (err) {
			capture_output_failed(c, &c->outs[i], err);
			return err;
		}
	}
	if (!c->keylog)
		return 0;
	err = keylog__write(c->keylog, lines, n);
	if (err && !c->out_err) {
		c->out_err = err;
		p_err("--keylog: write failed: %s", strerror(-err));
	}
	return err;
}

static int capture_event(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;
	const struct event *ev = data;

	if (size >= sizeof(*ev) && ev->kind == EV_SECRETS)
		return capture_secrets(c, ev, size);
	return decoder__event(c->dec, data, size);
}

/* Scans PID's mappings for TLS libraries not attached yet; 0: every process. */
static void capture_rescan(pid_t pid, void *arg)
{
	struct capture *c = arg;
	const struct options *o = c->opts;
	struct discover_ctx dc = { .c = c, .pid = o->nr_pids ? pid : -1 };

	if (pid) {
		discover_process(pid, capture_discovered, &dc);
		return;
	}
	if (!o->nr_pids) {
		discover_all_processes(capture_discovered, &dc);
		return;
	}
	for (int i = 0; i < o->nr_pids; i++) {
		dc.pid = o->pids[i];
		discover_process(o->pids[i], capture_discovered, &dc);
	}
}

static int capture_exec_event(void *ctx, void *data, size_t size)
{
	const struct exec_event *ee = data;
	struct capture *c = ctx;

	if (size >= sizeof(*ee))
		watcher__exec(c->watch, ee->pid);
	return 0;
}

static int capture_open_rings(struct capture *c)
{
	int err;

	c->rb = ring_reader__new();
	if (!c->rb)
		return -errno;
	err = ring_reader__add(c->rb, bpf_map__fd(c->skel->maps.events), capture_event, c);
	if (err)
		return err;
	return ring_reader__add(c->rb, bpf_map__fd(c->skel->maps.exec_events),
				capture_exec_event, c);
}

static void capture_read_stats(struct capture *c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	if (ncpu <= 0)
		return;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (__u32 id = 0; id < STAT__MAX; id++) {
		c->bpf_stats[id] = 0;
		if (bpf_map__lookup_elem(c->skel->maps.stats, &id, sizeof(id), vals,
					 ncpu * sizeof(*vals), 0))
			continue;
		for (int i = 0; i < ncpu; i++)
			c->bpf_stats[id] += vals[i];
	}
	free(vals);
}

static void capture_print_stats(struct capture *c, const char *prefix)
{
	const struct decode_stats *ds = decoder__stats(c->dec);
	const uint64_t *s = c->bpf_stats;
	uint64_t lost_bytes, lost_records;

	capture_read_stats(c);
	summary_losses(ds, s, &lost_bytes, &lost_records);
	fprintf(stderr,
		"sslsniff: %s%" PRIu64 " records, %" PRIu64 " bytes captured; lost: %" PRIu64
		" bytes in %" PRIu64 " records (ring buffer full: %" PRIu64 " calls, %" PRIu64
		" bytes; unreadable: %" PRIu64 " bytes), %" PRIu64 " calls untracked; truncated: %"
		PRIu64 " bytes\n",
		prefix, ds->records, ds->bytes, lost_bytes, lost_records,
		s[STAT_LOST_CALLS_RINGBUF], s[STAT_LOST_BYTES_RINGBUF], s[STAT_LOST_BYTES_FAULT],
		s[STAT_LOST_CALLS_STATE] + s[STAT_LOST_CALLS_BAD_LEN] + s[STAT_LOST_EVENTS_OTHER],
		s[STAT_TRUNCATED_BYTES]);
}

static void capture_ready(struct capture *c)
{
	layouts__report(c->layouts);
	p_info("attached %zu probes to %zu files (openssl %zu, gnutls %zu, nss %zu)%s. "
	       "Ctrl-C to end.",
	       attacher__nr_probes(c->att), attacher__nr_files(c->att),
	       attacher__nr_files_of(c->att, LIB_OPENSSL),
	       attacher__nr_files_of(c->att, LIB_GNUTLS), attacher__nr_files_of(c->att, LIB_NSS),
	       c->opts->watch ? ", watching for new ones" : "");
}

static int capture_loop(struct capture *c, bool live_stats)
{
	time_t last = time(NULL);
	int err = 0, timeout = POLL_TIMEOUT_MS;

	while (!exiting && !c->out_err) {
		/* The BPF side wakes a sleeping reader only (ring_wake_flag). */
		__atomic_store_n(&c->skel->bss->reader_asleep, 1, __ATOMIC_SEQ_CST);
		err = ring_reader__poll(c->rb, timeout);
		__atomic_store_n(&c->skel->bss->reader_asleep, 0, __ATOMIC_RELAXED);
		/* Chunks are submitted without a wake-up: collect them too. */
		if (err >= 0)
			err = ring_reader__consume(c->rb);
		if (err == -EINTR) {
			err = 0;
			break;
		}
		if (err < 0 && !c->out_err) {
			p_err("ring buffer: %s", strerror(-err));
			break;
		}
		err = 0;
		if (!c->syscalls_on && c->skel->bss->syscalls_wanted)
			capture_watch_syscalls(c, NULL, 0);
		capture_poll_outputs(c);
		capture_flush(c);
		timeout = c->opts->watch ? watcher__run(c->watch, POLL_TIMEOUT_MS)
					 : POLL_TIMEOUT_MS;
		if (live_stats && time(NULL) != last) {
			last = time(NULL);
			capture_print_stats(c, "");
		}
	}
	return err;
}

/* Whatever is still in the ring, and calls waiting for chunks, go out. */
static void capture_drain(struct capture *c)
{
	if (!c->out_err)
		ring_reader__consume(c->rb);
	if (!c->out_err)
		decoder__flush(c->dec);
	capture_poll_outputs(c);
	capture_flush(c);
}

/* Every writer, or none: an error is reported here. */
static int capture_open_outputs(struct capture *c)
{
	for (int i = 0; i < c->nr_outs; i++) {
		c->out[i] = c->outs[i].ops->open(&c->outs[i].opts);
		if (!c->out[i]) {
			int err = -errno;

			p_err("output: '%s': %s", c->outs[i].name, strerror(-err));
			return err;
		}
	}
	if (c->opts->summary_json) {
		c->summary = summary__new(c->opts->summary_json);
		if (!c->summary)
			return -errno;
	}
	return 0;
}

/* --stats prints live lines only when no output shares the terminal. */
static bool capture_on_tty(const struct capture *c)
{
	for (int i = 0; i < c->nr_outs; i++) {
		if (isatty(fileno(c->outs[i].opts.out)))
			return true;
	}
	return false;
}

int capture_run(const struct options *opts, const struct capture_output *outs, int nr_outs,
		FILE *keylog)
{
	struct capture c = { .opts = opts, .outs = outs, .nr_outs = nr_outs };
	int err;

	if (keylog) {
		c.keylog = keylog__new(keylog);
		if (!c.keylog) {
			fclose(keylog);
			return -ENOMEM;
		}
	}

	err = capture_open_bpf(&c);
	if (err)
		goto out;
	err = capture_attach(&c);
	if (err)
		goto out;
	err = capture_open_outputs(&c);
	if (err)
		goto out;
	c.dec = decoder__new(capture_record, &c);
	c.watch = watcher__new(capture_rescan, &c);
	if (!c.dec || !c.watch) {
		err = -ENOMEM;
		goto out;
	}
	err = capture_open_rings(&c);
	if (err) {
		p_err("ring buffer: %s", strerror(-err));
		goto out;
	}
	capture_ready(&c);
	c.ready = true;
	err = capture_loop(&c, opts->stats && !capture_on_tty(&c));
	capture_drain(&c);
	capture_print_stats(&c, "");
	if (c.summary && summary__write(c.summary, decoder__stats(c.dec), c.bpf_stats) && !err)
		err = -EIO;
	if (c.out_err && c.out_err != -EPIPE)
		err = c.out_err;
out:
	ring_reader__free(c.rb);
	for (int i = 0; i < nr_outs; i++) {
		if (c.out[i])
			outs[i].ops->close(c.out[i]);
	}
	decoder__free(c.dec);
	summary__free(c.summary);
	watcher__free(c.watch);
	attacher__free(c.att);
	layouts__free(c.layouts);	/* c.skel too */
	keylog__free(c.keylog);
	return err;
}
