// SPDX-License-Identifier: GPL-2.0
/*
 * A capture session: load the BPF program, attach to the libraries that the
 * options select, then run the pipeline until stopped: the sources (the
 * ring buffer, and with --capture-packets an interface's packets) through
 * the record stage (the decoder, the connection match) to every writer.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "lib/thread_priority.h"
#include "output/summary.h"
#include "record/conn_match.h"
#include "record/decode.h"
#include "record/wire_conn.h"
#include "proto/proto.h"
#include "session.h"
#include "source/packets.h"
#include "source/tc_packets.h"
#include "source/ring.h"
#include "sslsniff.h"	/* the skeleton names its types */
#include "sslsniff.skel.h"
#include "cgroup/identity.h"
#include "lib/hashset.h"
#include "lib/sock_owner.h"
#include "targets.h"
#include "target/watch.h"

/* Also the most a record waits below a wake-up batch (targ_wake_bytes). */
#define POLL_TIMEOUT_MS		50
/* -i's packet ring: as libpcap's buffer was, about 20 ms of loopback's 1.6 GB/s. */
#define WIRE_TAP_RING		(32U << 20)

volatile sig_atomic_t exiting;

struct session {
	const struct options *opts;
	struct sslsniff_bpf *skel;	/* the first program instance */
	struct targets *targets;	/* what is traced */
	struct watcher *watch;
	pthread_mutex_t lock;		/* targets, watch, syscalls_on: both threads */
	struct ring_reader *exec_rb;	/* exec events, read by exec_thread */
	pthread_t exec_thread;
	bool exec_thread_on;
	volatile bool exec_stop;
	struct ring_reader *rb;
	struct decoder *dec;
	struct identities *ids;		/* each record's cgroup, container and pod */
	struct proto *proto;		/* the protocol stage, or NULL with --raw */
	struct packets *packets;	/* --capture-packets or -i's libpcap, or NULL */
	struct tc_packets *tap;		/* -i's packets from TC, or NULL */
	struct conn_match *match;	/* ... and which of them are traced */
	struct wire_conns *wire;	/* -i: or decrypted, with the handshakes' keys */
	struct hashset fallback_pids;	/* -i: processes whose calls are probed too */
	struct session_output *outs;
	void *out[SESSION_MAX_OUTPUTS];	/* each writer's state */
	int nr_outs;
	int out_err;
	struct counters counters;
	struct summary *summary;	/* --summary-json, or NULL */
	struct session_start *start;
	bool syscalls_on;	/* raw_tp/sys_enter attached */
};

/*
 * The socket syscalls inside TLS calls are watched only once a process may
 * need them (target_file_needs_syscalls(), a file that gives OpenSSL its own
 * transport, or a call whose socket neither its library's structs nor a
 * syscall gave: syscalls_wanted): the handler runs on every syscall of the
 * machine, which costs traced programs that name their sockets to OpenSSL
 * (nginx, wrk) a few percent for nothing. Once attached it stays.
 */
static void session_watch_syscalls(void *arg, const char *why, int pid)
{
	struct session *c = arg;
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

static int session_open_bpf(struct session *c)
{
	const struct options *o = c->opts;
	int err;

	c->targets = targets__open(o, session_watch_syscalls, c);
	if (!c->targets)
		return -errno;
	c->skel = targets__first(c->targets);
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

static void session_output_failed(struct session *c, const struct session_output *o, int err)
{
	if (c->out_err)
		return;
	c->out_err = err;
	/* The reader went away (sslsniff | head): a normal end. */
	if (err == -ENOSPC)
		p_err("output: '%s': the disk is full: capture stopped; the file holds the "
		      "records written before, whole", o->name);
	else if (err != -EPIPE)
		p_err("output: '%s': write failed: %s", o->name, strerror(-err));
}

/* Writers hold output back between poll rounds: fewer, larger writes. */
static void session_flush(struct session *c)
{
	for (int i = 0; i < c->nr_outs; i++) {
		const struct output_ops *ops = c->outs[i].ops;
		int err = ops->flush && c->out[i] ? ops->flush(c->out[i]) : 0;

		if (!err && fflush(c->outs[i].opts.out))
			err = -errno;
		if (err)
			session_output_failed(c, &c->outs[i], err);
	}
}

/*
 * The capture's counts to the writers that take them (the pcapng's
 * statistics blocks), what they hold written out, and the writers closed:
 * at a stop, before main.c closes the files.
 */
static void session_close_outputs(struct session *c, bool stats)
{
	for (int i = 0; i < c->nr_outs; i++) {
		const struct output_ops *ops = c->outs[i].ops;
		int err;

		if (!c->out[i])
			continue;
		if (stats && ops->stats) {
			err = ops->stats(c->out[i], &c->counters);
			if (err)
				session_output_failed(c, &c->outs[i], err);
		}
	}
	session_flush(c);
	for (int i = 0; i < c->nr_outs; i++) {
		if (c->out[i])
			c->outs[i].ops->close(c->out[i]);
		c->out[i] = NULL;
	}
}

/* Every record, whatever its source, goes to every writer. */
static int session_write(struct session *c, const struct record *r)
{
	int err;

	counters_count(&c->counters, r);
	if (r->kind == REC_HANDSHAKE && !c->opts->handshake)
		return 0;
	for (int i = 0; i < c->nr_outs; i++) {
		err = c->outs[i].ops->record(c->out[i], r);
		if (err) {
			session_output_failed(c, &c->outs[i], err);
			return err;
		}
	}
	return 0;
}

/* From the decoder: a call, a handshake or a connection's secrets. With
 * --capture-packets, the connection's packets follow what names it. */
static int session_record(const struct record *r, void *arg)
{
	struct session *c = arg;
	struct record rp = *r;
	int err;

	rp.who = identities__of(c->ids, r->ev);
	err = c->proto ? proto__record(c->proto, &rp) : 0;

	if (!err)
		err = session_write(c, &rp);

	if (!err && c->match)
		err = conn_match__record(c->match, r);
	if (!err && c->wire)
		err = wire_conns__record(c->wire, r);
	return err;
}

/*
 * -i: a TLS connection whose keys never came: the processes at its ends in
 * this network namespace have their reads and writes probed from now on
 * (the lock held: from the poll loop).
 */
static void session_wire_unkeyed(void *arg, const struct packet_tuple *t)
{
	struct session *c = arg;

	for (int e = 0; e < 2; e++) {
		pid_t pids[4];
		int n = sock_owners(t->family, t->addr[e], t->port[e], t->addr[!e], t->port[!e], pids, 4);

		for (int i = 0; i < n; i++) {
			if (pids[i] == getpid() || hashset_add(&c->fallback_pids, (uint64_t)pids[i] + 1) != 1)
				continue;
			p_info("-i: pid %d: a TLS connection whose handshake was not seen: its reads and "
			       "writes are probed from now on, for the keys", pids[i]);
			targets__fallback(c->targets, pids[i]);
		}
	}
}

/* From the connection match: a packet of a traced connection. */
static int session_packet_record(const struct record *r, void *arg)
{
	return session_write(arg, r);
}

static int session_packet(const struct packet *p, void *arg)
{
	struct session *c = arg;

	if (c->wire)
		return wire_conns__packet(c->wire, p);
	return conn_match__packet(c->match, p);
}

static void session_packets_failed(struct session *c, int err)
{
	if (!err || c->out_err)
		return;
	c->out_err = err;
	if (err != -EPIPE && err != -ENOSPC)
		p_err("%s: %s", c->wire ? "-i" : "--capture-packets", strerror(-err));
}

/* The packet source, each poll round: it has no wake-up of its own here. */
static void session_poll_packets(struct session *c)
{
	int err = 0;

	if ((!c->packets && !c->tap) || c->out_err)
		return;
	if (c->packets)
		err = packets__drain(c->packets, session_packet, c);
	if (!err && c->wire)
		err = wire_conns__expire(c->wire);
	session_packets_failed(c, err);
}

/* A segment from -i's TC tap, read from its ring beside the probes' records. */
static int session_tap_event(void *ctx, void *data, size_t size)
{
	struct session *c = ctx;
	struct packet p;
	int err;

	if (c->out_err)
		return -ECANCELED;
	if (!tc_packets__packet(c->tap, data, size, &p))
		return 0;
	err = wire_conns__packet(c->wire, &p);
	session_packets_failed(c, err);
	return err;
}

static int session_event(void *ctx, void *data, size_t size)
{
	struct session *c = ctx;

	return decoder__event(c->dec, data, size);
}

/* The watcher's schedule: PID's mappings again, 0: every process's (the lock held). */
static void session_rescan(pid_t pid, void *arg)
{
	struct session *c = arg;

	targets__rescan(c->targets, pid);
}

/*
 * An exec: a root not seen before has its libraries attached, the process
 * its mappings scanned (now, and on the watcher's schedule). A process the
 * BPF side held (EXEC_HELD) goes on once that is done.
 */
static int session_exec_event(void *ctx, void *data, size_t size)
{
	const struct exec_event *ee = data;
	struct root_key k = { .dev = ee->root_dev, .ino = ee->root_ino };
	__u8 known = ROOT_KNOWN;
	struct session *c = ctx;
	bool handled = false;

	if (size < sizeof(*ee))
		return 0;
	/* Once capture stops, a process held meanwhile is only let go. */
	if (!c->exec_stop) {
		pthread_mutex_lock(&c->lock);
		handled = targets__exec(c->targets, ee->pid, ee->ts_ns);
		watcher__exec(c->watch, ee->pid);
		pthread_mutex_unlock(&c->lock);
	}
	/* A root whose process was gone before it was read stays pending: the
	 * next process in it is held and the root read then. */
	if ((ee->flags & EXEC_NEW_ROOT) && handled)
		bpf_map__update_elem(c->skel->maps.known_roots, &k, sizeof(k), &known,
				     sizeof(known), BPF_ANY);
	if (ee->flags & EXEC_HELD)
		kill(ee->pid, SIGCONT);
	return 0;
}

/*
 * While sslsniff itself is suspended (Ctrl-Z), no exec would be handled:
 * nothing is held meanwhile. The handlers only store to the BPF side's
 * .bss, which is mapped memory.
 */
static volatile __u32 *hold_flag;

static void session_on_tstp(int sig)
{
	(void)sig;
	if (hold_flag)
		*hold_flag = 0;
	raise(SIGSTOP);
}

static void session_on_cont(int sig)
{
	(void)sig;
	if (hold_flag)
		*hold_flag = 1;
}

/*
 * Our own root is handled by the start-up scan: marked known, so that the
 * host's processes are never held. (The kernel's dev_t is MKDEV's, not
 * stat's encoding. Were it ever another, the first exec here would be held
 * once, for the few milliseconds of finding the root is ours.)
 */
static void session_own_root_known(struct session *c)
{
	struct root_key k = {};
	__u8 known = ROOT_KNOWN;
	struct stat st;

	if (stat("/", &st))
		return;
	k.dev = (__u64)major(st.st_dev) << 20 | minor(st.st_dev);
	k.ino = st.st_ino;
	bpf_map__update_elem(c->skel->maps.known_roots, &k, sizeof(k), &known, sizeof(known),
			     BPF_ANY);
}

static void session_hold_start(struct session *c)
{
	struct sigaction tstp = { .sa_handler = session_on_tstp };
	struct sigaction cont = { .sa_handler = session_on_cont, .sa_flags = SA_RESTART };

	session_own_root_known(c);
	hold_flag = &c->skel->bss->hold_new_roots;
	sigaction(SIGTSTP, &tstp, NULL);
	sigaction(SIGCONT, &cont, NULL);
	*hold_flag = 1;
}

static void session_hold_stop(void)
{
	if (hold_flag)
		*hold_flag = 0;
	hold_flag = NULL;
	signal(SIGTSTP, SIG_DFL);
	signal(SIGCONT, SIG_DFL);
}

/*
 * Exec events are read by a thread of their own: a process held at its exec
 * must never wait for the records (a writer blocked on a full pipe, a
 * large batch), only for its root's attach.
 */
static void *session_exec_thread(void *arg)
{
	struct session *c = arg;
	sigset_t all;

	thread_priority_reset();
	/* Signals are the main thread's: its poll is what Ctrl-C must cut short. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	while (!c->exec_stop)
		ring_reader__poll(c->exec_rb, POLL_TIMEOUT_MS);
	return NULL;
}

static int session_open_rings(struct session *c)
{
	int err;

	c->rb = ring_reader__new();
	c->exec_rb = ring_reader__new();
	if (!c->rb || !c->exec_rb)
		return -ENOMEM;
	err = ring_reader__add(c->rb, bpf_map__fd(c->skel->maps.events), session_event, c);
	/* -i: the packets are what flows; their blocks wake the loop too. */
	if (!err && c->tap)
		err = ring_reader__add(c->rb, tc_packets__ring_fd(c->tap), session_tap_event, c);
	else if (!err && c->wire && packets__fd(c->packets) >= 0)
		err = ring_reader__add_wake_fd(c->rb, packets__fd(c->packets));
	if (!err)
		err = ring_reader__add(c->exec_rb, bpf_map__fd(c->skel->maps.exec_events),
				       session_exec_event, c);
	if (!err)
		err = -pthread_create(&c->exec_thread, NULL, session_exec_thread, c);
	if (err)
		return err;
	c->exec_thread_on = true;
	/* Holding starts now that holds are released (session_stop_exec()). */
	session_hold_start(c);
	return 0;
}

/*
 * No process is held from here on, and every one held so far is let go:
 * the exec program goes first, then the exec events still in the ring are
 * handled.
 */
static void session_stop_exec(struct session *c)
{
	session_hold_stop();
	if (c->skel && c->skel->links.raw_tp_process_exec) {
		bpf_link__destroy(c->skel->links.raw_tp_process_exec);
		c->skel->links.raw_tp_process_exec = NULL;
	}
	if (c->exec_thread_on) {
		c->exec_stop = true;
		pthread_join(c->exec_thread, NULL);
		c->exec_thread_on = false;
	}
	c->exec_stop = true;
	if (c->exec_rb)
		ring_reader__consume(c->exec_rb);
}

/* The BPF side's per-CPU counters, summed. */
static void session_read_bpf_stats(struct session *c)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals, *sum = c->counters.bpf;

	if (ncpu <= 0 || !c->skel)
		return;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return;
	for (__u32 id = 0; id < STAT__MAX; id++) {
		sum[id] = 0;
		if (bpf_map__lookup_elem(c->skel->maps.stats, &id, sizeof(id), vals,
					 ncpu * sizeof(*vals), 0))
			continue;
		for (int i = 0; i < ncpu; i++)
			sum[id] += vals[i];
	}
	free(vals);
}

/* Every part's counts, into c->counters. */
static const struct counters *session_counters(struct session *c)
{
	session_read_bpf_stats(c);
	c->counters.dec = *decoder__stats(c->dec);
	if (c->proto) {
		c->counters.proto_on = true;
		c->counters.proto = *proto__stats(c->proto);
	}
	if (c->packets && c->match) {
		c->counters.packets_on = true;
		c->counters.match = *conn_match__stats(c->match);
	}
	if (c->wire) {
		c->counters.wire_on = true;
		c->counters.wire = *wire_conns__stats(c->wire);
	}
	if (c->packets)
		c->counters.packets_dropped = packets__dropped(c->packets);
	if (c->tap)
		c->counters.packets_dropped = tc_packets__dropped(c->tap);
	return &c->counters;
}

static int session_loop(struct session *c, bool live_stats)
{
	time_t last = time(NULL);
	int err = 0, timeout = POLL_TIMEOUT_MS;

	while (!exiting && !c->out_err) {
		/* The BPF side wakes a sleeping reader only (ring_wake_flag). */
		__atomic_store_n(&c->skel->bss->reader_asleep, 1, __ATOMIC_SEQ_CST);
		if (c->tap)
			tc_packets__reader_asleep(c->tap, 1);
		err = ring_reader__poll(c->rb, timeout);
		__atomic_store_n(&c->skel->bss->reader_asleep, 0, __ATOMIC_RELAXED);
		if (c->tap)
			tc_packets__reader_asleep(c->tap, 0);
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
		pthread_mutex_lock(&c->lock);
		if (!c->syscalls_on && c->skel->bss->syscalls_wanted)
			session_watch_syscalls(c, NULL, 0);
		session_poll_packets(c);
		session_flush(c);
		timeout = c->opts->watch ? watcher__run(c->watch, POLL_TIMEOUT_MS)
					 : POLL_TIMEOUT_MS;
		pthread_mutex_unlock(&c->lock);
		if (live_stats && time(NULL) != last) {
			last = time(NULL);
			summary_print(stderr, session_counters(c));
		}
	}
	return err;
}

/* Whatever is still in the ring, and calls waiting for chunks, go out. */
static void session_drain(struct session *c)
{
	if (c->rb && !c->out_err)
		ring_reader__consume(c->rb);
	if (!c->out_err)
		decoder__flush(c->dec);
	session_poll_packets(c);
	if (c->wire && !c->out_err) {
		int err = wire_conns__finish(c->wire);

		if (err)
			c->out_err = err;
	}
	session_flush(c);
}

/*
 * --capture-packets: the interface, and the match of its packets to traced
 * connections. Opened before the writers: the pcapng's interface block
 * takes its link type.
 */
static int session_open_packets(struct session *c)
{
	const char *iface = c->opts->wire_iface ? c->opts->wire_iface : c->opts->capture_iface;

	if (!iface)
		return 0;
	if (c->opts->wire_iface && c->opts->wire_source != WIRE_SOURCE_PCAP) {
		char why[128] = "";

		c->tap = tc_packets__open(iface, WIRE_TAP_RING, why, sizeof(why));
		if (!c->tap && c->opts->wire_source == WIRE_SOURCE_TC) {
			p_err("-i %s: %s", iface, why);
			return -EINVAL;
		}
		if (!c->tap)
			p_warn("-i %s: %s; the packets through libpcap instead", iface, why);
	}
	if (!c->tap)
		c->packets = packets__open(iface, c->opts->wire_iface != NULL);
	if (!c->packets && !c->tap)
		return -EINVAL;
	if (c->opts->wire_iface) {
		/* The writers' link type stays theirs: they see plaintext. */
		c->wire = wire_conns__new(session_record, session_wire_unkeyed, c);
		return c->wire ? 0 : -ENOMEM;
	}
	c->match = conn_match__new(session_packet_record, c);
	if (!c->match)
		return -ENOMEM;
	for (int i = 0; i < c->nr_outs; i++)
		c->outs[i].opts.capture_linktype = packets__linktype(c->packets);
	return 0;
}

/* Every writer, or none: an error is reported here. */
static int session_open_outputs(struct session *c)
{
	for (int i = 0; i < c->nr_outs; i++) {
		c->out[i] = c->outs[i].ops->open(&c->outs[i].opts);
		if (!c->out[i]) {
			int err = -errno;

			p_err("output: '%s': %s", c->outs[i].name, strerror(-err));
			return err;
		}
	}
	if (c->start->summary) {
		c->summary = summary__new(c->start->summary);
		if (!c->summary)
			return -errno;
	}
	return 0;
}

/* --stats prints live lines only when no output shares the terminal. */
static bool session_on_tty(const struct session *c)
{
	for (int i = 0; i < c->nr_outs; i++) {
		if (isatty(fileno(c->outs[i].opts.out)))
			return true;
	}
	return false;
}

/*
 * Start-up: the program loaded, the probes attached. -EINTR when SIGINT or
 * SIGTERM came meanwhile: start-up stops at the next file, and the session
 * ends as a capture stopped at once would (the writers' headers, the
 * summary line, exit status 0).
 */
static int session_start(struct session *c)
{
	int err = session_open_bpf(c);

	if (!err)
		err = targets__attach(c->targets);
	if (exiting && (!err || err == -EINTR))
		return -EINTR;
	return err;
}

int session_run(const struct options *opts, struct session_output *outs, int nr_outs,
		struct session_start *start)
{
	struct session c = { .opts = opts, .outs = outs, .nr_outs = nr_outs, .start = start,
			     .lock = PTHREAD_MUTEX_INITIALIZER };
	bool started;
	int err;

	err = session_start(&c);
	started = !err;
	if (err == -EINTR)
		err = 0;
	if (!err && started)
		err = session_open_packets(&c);
	/* While CAP_SYS_NICE is there (-Z drops it with the attached hook). */
	if (!err && started)
		thread_priority_raise(opts->reader_priority);
	/* Before the exec thread starts: capabilities are per thread. Also
	 * when stopped during start-up: the files are emptied before the
	 * writers' headers go in. */
	if (!err && start->attached)
		err = start->attached(start->arg);
	if (!err)
		err = session_open_outputs(&c);
	if (err)
		goto out;
	c.dec = decoder__new(session_record, &c);
	c.ids = identities__new(opts->cgroup_layout, opts->host_root);
	c.watch = watcher__new(session_rescan, &c);
	if (!opts->raw)
		c.proto = proto__new();
	if (!c.dec || !c.ids || !c.watch || (!opts->raw && !c.proto)) {
		err = -ENOMEM;
		goto out;
	}
	if (started) {
		err = session_open_rings(&c);
		if (err) {
			p_err("ring buffer: %s", strerror(-err));
			goto out;
		}
		targets__ready(c.targets);
		start->running = true;
		err = session_loop(&c, opts->stats && !session_on_tty(&c));
	} else {
		p_info("stopped during start-up, before capture began");
	}
	session_stop_exec(&c);
	session_drain(&c);
	summary_print(stderr, session_counters(&c));
	session_close_outputs(&c, true);
	if (c.summary && summary__write(c.summary, &c.counters) && !err)
		err = -EIO;
	if (c.out_err && c.out_err != -EPIPE)
		err = c.out_err;
out:
	session_stop_exec(&c);
	ring_reader__free(c.exec_rb);
	ring_reader__free(c.rb);
	session_close_outputs(&c, false);
	decoder__free(c.dec);
	identities__free(c.ids);
	proto__free(c.proto);
	conn_match__free(c.match);
	wire_conns__free(c.wire);
	hashset_free(&c.fallback_pids);
	packets__close(c.packets);
	tc_packets__close(c.tap);
	summary__free(c.summary);
	watcher__free(c.watch);
	targets__free(c.targets);	/* c.skel too */
	return err;
}
