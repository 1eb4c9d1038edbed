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
#include "attach.h"
#include "bpf_load.h"
#include "btf_db.h"
#include "capture.h"
#include "core_btf.h"
#include "decode.h"
#include "detect.h"
#include "discover.h"
#include "log.h"
#include "sslsniff.skel.h"
#include "tls_funcs.h"
#include "watch.h"

#define LDCACHE_PATH		"/etc/ld.so.cache"
#define POLL_TIMEOUT_MS		100

volatile sig_atomic_t exiting;

struct capture {
	const struct options *opts;
	struct sslsniff_bpf *skel;
	struct attacher *att;
	struct layouts *layouts;	/* program instances for other layouts */
	struct watcher *watch;
	struct ring_buffer *rb;
	struct decoder *dec;
	const struct output_ops *ops;
	void *out;
	FILE *out_file;
	int out_err;
	bool ready;		/* start-up attachment is done */
	uint64_t bpf_stats[STAT__MAX];
	char openssl_family[16];	/* c->skel's layout, "" none, "*" --btf */
	char core_btf[PATH_MAX];	/* kernel + library BTF, "" for none */
	char layout_msg[3 * PATH_MAX];	/* which BTF and why, said when ready */
};

/* Keeps the first libssl a walk finds. */
static int first_libssl(const char *path, int pid, bool named_tls, void *arg)
{
	const char *base = strrchr(path, '/');

	(void)pid;
	if (!named_tls || !base || strncmp(base + 1, "libssl.so", 9))
		return 0;
	snprintf(arg, PATH_MAX, "%s", path);
	return 1;
}

/* The OpenSSL file whose layout the program is relocated against. */
static bool capture_layout_target(const struct options *o, char *path)
{
	for (int i = 0; i < o->nr_libs; i++) {
		if (o->libs[i].lib == LIB_OPENSSL) {
			snprintf(path, PATH_MAX, "%s", o->libs[i].path);
			return true;
		}
	}
	for (int i = 0; i < o->nr_pids; i++) {
		if (discover_process(o->pids[i], first_libssl, path) == 1)
			return true;
	}
	return discover_ldcache(LDCACHE_PATH, first_libssl, path) == 1;
}

/* --btf: the user vouches for the layout of every shared libssl. */
static int capture_force_layout(struct capture *c)
{
	if (core_btf_build(c->opts->kernel_btf, c->opts->btf, c->core_btf, sizeof(c->core_btf))) {
		c->core_btf[0] = '\0';
		return -EINVAL;
	}
	snprintf(c->openssl_family, sizeof(c->openssl_family), "*");
	snprintf(c->layout_msg, sizeof(c->layout_msg), "openssl: BTF '%s' (forced with --btf)",
		 c->opts->btf);
	return 0;
}

/*
 * Picks the OpenSSL layout from btf-db for the system's libssl (or the one
 * the options point at), and builds the target BTF libbpf relocates the
 * first program instance against. Without one, struct fields stay unread:
 * said once.
 */
static void capture_choose_layout(struct capture *c)
{
	const struct btf_db_entry *e;
	struct tls_detect d;
	char target[PATH_MAX];
	char *msg = c->layout_msg;
	size_t sz = sizeof(c->layout_msg);
	struct btf_db *db;
	bool exact;

	if (!(c->opts->lib_mask & (1U << LIB_OPENSSL)) || !capture_layout_target(c->opts, target))
		return;

	if (detect_tls_file(target, &d) || d.lib != LIB_OPENSSL || !d.version[0]) {
		snprintf(msg, sz, "openssl: '%s': version unknown; connections from syscalls only",
			 target);
		return;
	}
	db = btf_db__open(NULL);
	if (!db) {
		snprintf(msg, sz, "openssl %s: no btf-db found; connections from syscalls only",
			 d.version);
		return;
	}
	e = btf_db__find(db, LIB_OPENSSL, d.version, &exact);
	if (!e) {
		snprintf(msg, sz, "openssl %s: no layout in %s; connections from syscalls only",
			 d.version, btf_db__dir(db));
	} else if (core_btf_build(c->opts->kernel_btf, e->path, c->core_btf,
				  sizeof(c->core_btf))) {
		c->core_btf[0] = '\0';
		snprintf(msg, sz, "openssl %s: BTF '%s' not usable; connections from syscalls only",
			 d.version, e->path);
	} else {
		snprintf(c->openssl_family, sizeof(c->openssl_family), "%s", e->family);
		snprintf(msg, sz, "openssl %s ('%s'): BTF '%s' (%s)", d.version, target, e->path,
			 exact ? "exact version" : "same layout family");
	}
	btf_db__free(db);
}

static int capture_open_bpf(struct capture *c)
{
	const struct options *o = c->opts;
	int err;

	if (c->opts->btf) {
		err = capture_force_layout(c);
		if (err)
			return err;
	} else {
		capture_choose_layout(c);
	}
	c->skel = bpf_load(o, c->core_btf[0] ? c->core_btf : o->kernel_btf, NULL);
	if (!c->skel)
		return -errno;
	c->layouts = layouts__new(o, c->skel);
	if (!c->layouts)
		return -ENOMEM;
	c->skel->links.raw_tp_process_exit = bpf_program__attach(c->skel->progs.raw_tp_process_exit);
	if (!c->skel->links.raw_tp_process_exit) {
		err = -errno;
		p_err("bpf: cannot attach to sched_process_exit: %s", strerror(-err));
		return err;
	}
	c->skel->links.raw_tp_sys_enter = bpf_program__attach(c->skel->progs.raw_tp_sys_enter);
	if (!c->skel->links.raw_tp_sys_enter) {
		err = -errno;
		p_err("bpf: cannot attach to sys_enter: %s", strerror(-err));
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

/*
 * The programs for a file: the first instance's, with struct reading when
 * its layout is the file's (or --btf); else an instance relocated against
 * the file's own layout family, loaded now if btf-db has it.
 */
static void capture_progs(const char *family, struct attach_progs *p, void *arg)
{
	struct capture *c = arg;
	struct sslsniff_bpf *skel = c->skel;

	p->layout_ok = false;
	if (family && c->openssl_family[0] &&
	    (!strcmp(c->openssl_family, "*") || !strcmp(c->openssl_family, family))) {
		p->layout_ok = true;
	} else if (family) {
		skel = layouts__get(c->layouts, family);
		p->layout_ok = skel != NULL;
		if (!skel)
			skel = c->skel;
	}
	p->entry = skel->progs.uprobe_entry;
	p->ret = skel->progs.uretprobe_return;
}

static int capture_attach(struct capture *c)
{
	const struct options *o = c->opts;
	struct attach_opts ao = {
		.progs = capture_progs,
		.ctx = c,
		.libs = o->lib_mask,
		.handshake = o->handshake,
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

static void capture_output_failed(struct capture *c, int err)
{
	if (c->out_err)
		return;
	c->out_err = err;
	/* The reader went away (sslsniff | head): a normal end. */
	if (err != -EPIPE)
		p_err("output: write failed: %s", strerror(-err));
}

static void capture_flush(struct capture *c)
{
	if (fflush(c->out_file))
		capture_output_failed(c, -errno);
}

static int capture_record(const struct record *r, void *arg)
{
	struct capture *c = arg;
	int err;

	if (r->ev->kind == EV_HANDSHAKE && !c->opts->handshake)
		return 0;
	err = c->ops->record(c->out, r);
	if (err)
		capture_output_failed(c, err);
	return err;
}

static int capture_event(void *ctx, void *data, size_t size)
{
	struct capture *c = ctx;

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
	c->rb = ring_buffer__new(bpf_map__fd(c->skel->maps.events), capture_event, c, NULL);
	if (!c->rb)
		return -errno;
	return ring_buffer__add(c->rb, bpf_map__fd(c->skel->maps.exec_events),
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

	capture_read_stats(c);
	fprintf(stderr,
		"sslsniff: %s%" PRIu64 " records, %" PRIu64 " bytes captured; lost: %" PRIu64
		" bytes in %" PRIu64 " records (ring buffer full: %" PRIu64 " calls, %" PRIu64
		" bytes; unreadable: %" PRIu64 " bytes), %" PRIu64 " calls untracked; truncated: %"
		PRIu64 " bytes\n",
		prefix, ds->records, ds->bytes, ds->missing_bytes, ds->incomplete,
		s[STAT_LOST_CALLS_RINGBUF], s[STAT_LOST_BYTES_RINGBUF], s[STAT_LOST_BYTES_FAULT],
		s[STAT_LOST_CALLS_STATE] + s[STAT_LOST_CALLS_BAD_LEN] + s[STAT_LOST_EVENTS_OTHER],
		s[STAT_TRUNCATED_BYTES]);
}

static void capture_ready(struct capture *c)
{
	if (c->layout_msg[0])
		p_info("%s", c->layout_msg);
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
		err = ring_buffer__poll(c->rb, timeout);
		/* Chunks are submitted without a wake-up: collect them too. */
		if (err >= 0)
			err = ring_buffer__consume(c->rb);
		if (err == -EINTR) {
			err = 0;
			break;
		}
		if (err < 0 && !c->out_err) {
			p_err("ring buffer: %s", strerror(-err));
			break;
		}
		err = 0;
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
		ring_buffer__consume(c->rb);
	if (!c->out_err)
		decoder__flush(c->dec);
	capture_flush(c);
}

int capture_run(const struct options *opts, const struct output_ops *ops,
		const struct output_opts *oopts)
{
	struct capture c = { .opts = opts, .ops = ops, .out_file = oopts->out };
	int err;

	err = capture_open_bpf(&c);
	if (err)
		goto out;
	err = capture_attach(&c);
	if (err)
		goto out;
	c.dec = decoder__new(capture_record, &c);
	c.out = ops->open(oopts);
	c.watch = watcher__new(capture_rescan, &c);
	if (!c.dec || !c.out || !c.watch) {
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
	err = capture_loop(&c, opts->stats && !isatty(fileno(oopts->out)));
	capture_drain(&c);
	capture_print_stats(&c, "");
	if (c.out_err && c.out_err != -EPIPE)
		err = c.out_err;
out:
	ring_buffer__free(c.rb);
	if (c.out)
		ops->close(c.out);
	decoder__free(c.dec);
	watcher__free(c.watch);
	attacher__free(c.att);
	layouts__free(c.layouts);
	sslsniff_bpf__destroy(c.skel);
	return err;
}
