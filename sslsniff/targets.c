// SPDX-License-Identifier: GPL-2.0
/* What is traced: discovered files, their layouts, their probes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "btf/instances.h"
#include "lib/hashset.h"
#include "lib/log.h"
#include "session.h"
#include "targets.h"
#include "target/attach.h"
#include "target/discover.h"
#include "target/target_file.h"

#define LDCACHE_PATH	"/etc/ld.so.cache"

struct targets {
	const struct options *opts;
	struct target_files *files;
	struct attacher *att;
	struct instances *inst;
	struct hashset roots;		/* other roots whose linker cache was read */
	want_syscalls_fn want_syscalls;
	void *ctx;
	bool ready;			/* start-up attachment is done */
};

struct walk {
	struct targets *t;
	int pid;		/* attach for this process only; -1: all */
	int root_of;		/* a new root's linker cache: the process that entered it */
	uint64_t exec_ns;	/* ... and when it exec'd there */
	bool calls;		/* -i's fallback: the reads and writes of pid */
	struct target_file *sys[NR_LIBS];	/* start-up: the system's file of each library */
};

/* The file whose version picks a library's layout for the first instance, by name. */
static const char *const lib_file_prefix[NR_LIBS] = {
	[LIB_OPENSSL] = "libssl.so",
	[LIB_GNUTLS] = "libgnutls.so",
	[LIB_NSS] = "libnspr4.so",	/* PR_Read and PR_Write live in NSPR */
};

/* Keeps the first file of each library a walk finds. */
static int targets_system_file(const struct discover_file *f, void *arg)
{
	struct walk *w = arg;
	const char *base = strrchr(f->path, '/');
	struct target_file *tf;

	if (!f->named_tls || !base)
		return 0;
	for (int lib = 1; lib < NR_LIBS; lib++) {
		const char *prefix = lib_file_prefix[lib];

		/* Go has no shared library: only --lib go:PATH names one. */
		if (!prefix || w->sys[lib] || strncmp(base + 1, prefix, strlen(prefix)))
			continue;
		tf = target_files__get(w->t->files, f, 0);
		if (!tf && errno == ENOMEM)
			return -ENOMEM;
		w->sys[lib] = tf;
	}
	return 0;
}

/* The system's libraries: named with --lib, mapped by -p, or ld.so's. */
static int targets_system(struct targets *t, struct walk *w)
{
	const struct options *o = t->opts;
	int err = 0;

	for (int i = 0; i < o->nr_libs; i++) {
		struct target_file *tf = target_files__get_path(t->files, o->libs[i].path,
								o->libs[i].lib);

		if (tf && !w->sys[o->libs[i].lib])
			w->sys[o->libs[i].lib] = tf;
	}
	for (int i = 0; i < o->nr_pids && !err; i++) {
		err = discover_process(o->pids[i], targets_system_file, w);
		if (err == -ESRCH)
			err = 0;	/* said by targets__attach() */
	}
	if (!err && !o->nr_pids)
		err = discover_ldcache(LDCACHE_PATH, targets_system_file, w);
	return err == -ENOENT ? 0 : err;
}

struct targets *targets__open(const struct options *o, want_syscalls_fn fn, void *ctx)
{
	struct target_opts to = {
		.libs = o->lib_mask,
		.handshake = o->handshake,
		.keylog = o->keylog_path || o->keylog_embed,
		.wire = o->wire_iface != NULL,
		.probe_entry = o->probe_entry,
		.ret_probes = ret_probes_choose(o->return_probes),
	};
	struct targets *t = calloc(1, sizeof(*t));
	struct walk w = { .t = t, .pid = -1 };
	int err = -ENOMEM;

	if (!t)
		return NULL;
	t->opts = o;
	t->want_syscalls = fn;
	t->ctx = ctx;
	t->files = target_files__new(&to);
	t->att = attacher__new();
	if (!t->files || !t->att)
		goto err;
	err = targets_system(t, &w);
	if (!err && exiting)
		err = -EINTR;
	if (err)
		goto err;
	t->inst = instances__load(o, w.sys);
	if (!t->inst) {
		err = -errno;
		goto err;
	}
	return t;
err:
	targets__free(t);
	errno = -err;
	return NULL;
}

void targets__free(struct targets *t)
{
	if (!t)
		return;
	attacher__free(t->att);		/* the probes first: they use the programs */
	instances__free(t->inst);
	target_files__free(t->files);
	hashset_free(&t->roots);
	free(t);
}

struct sslsniff_bpf *targets__first(const struct targets *t)
{
	return instances__first(t->inst);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* TF, mapped by PID (-1: from a linker cache), with the programs of its layout. */
static int targets_attach_file(struct walk *w, struct target_file *tf, int pid)
{
	struct targets *t = w->t;
	int n;

	instances__progs(t->inst, tf);
	n = attacher__attach(t->att, tf, w->pid,
			     !t->opts->wire_iface ? ATTACH_ALL : w->calls ? ATTACH_CALLS : ATTACH_KEYS);
	if (pid > 0 && target_file_needs_syscalls(tf))
		t->want_syscalls(t->ctx, tf->path, pid);
	if (n <= 0 || !t->ready)
		return n;
	if (pid > 0)
		p_info("attached %d probes to '%s' (mapped by pid %d)%s", n, tf->path, pid,
		       tf->go_pclntab ? ", functions from .gopclntab" : "");
	else
		p_info("attached %d probes to '%s' (in the root of pid %d, from its linker "
		       "cache)", n, tf->path, w->root_of);
	if (w->exec_ns)
		p_debug("attach: '%s': %.3f ms after the exec of pid %d", tf->path,
			(now_ns() - w->exec_ns) / 1e6, w->root_of);
	return n;
}

/*
 * Attach failures are reported where they happen; the walk goes on. A stop
 * (SIGINT, SIGTERM) ends it here, at the next file: a walk of every
 * process's libraries, or of a new root whose first process is held.
 */
static int targets_found(const struct discover_file *f, void *arg)
{
	struct walk *w = arg;
	struct target_file *tf;
	int n;

	if (exiting)
		return -EINTR;
	tf = target_files__get(w->t->files, f, 0);
	if (!tf) {
		if (errno && f->named_tls)
			p_warn("discover: '%s': not attached: %s", f->path, strerror(errno));
		else if (!errno && target_files__gives_transport(w->t->files, f))
			w->t->want_syscalls(w->t->ctx, f->path, f->pid);
		return errno == ENOMEM ? -ENOMEM : 0;
	}
	n = targets_attach_file(w, tf, f->pid);
	return n == -ENOMEM ? n : 0;
}

/* --lib TYPE:PATH, for every -p process (or all). */
static int targets_attach_libs(struct targets *t)
{
	const struct options *o = t->opts;

	for (int i = 0; i < o->nr_libs; i++) {
		const struct lib_arg *l = &o->libs[i];
		struct target_file *tf = target_files__get_path(t->files, l->path, l->lib);
		int npids = o->nr_pids ? o->nr_pids : 1;

		if (!tf) {
			if (!errno)
				p_err("--lib %s:%s: the file defines none of the %s functions",
				      tls_library_name(l->lib), l->path, tls_library_name(l->lib));
			else
				p_err("--lib %s:%s: %s", tls_library_name(l->lib), l->path,
				      errno == ENOEXEC ? "not an ELF executable or library"
						       : strerror(errno));
			return errno ? -errno : -ENOENT;
		}
		for (int j = 0; j < npids && !exiting; j++) {
			struct walk w = { .t = t, .pid = o->nr_pids ? o->pids[j] : -1 };
			int n = targets_attach_file(&w, tf, -1);

			if (n < 0)
				return n;
		}
	}
	return 0;
}

int targets__attach(struct targets *t)
{
	const struct options *o = t->opts;
	struct walk w = { .t = t, .pid = -1 };
	int err = targets_attach_libs(t);

	for (int i = 0; i < o->nr_pids && !err; i++) {
		w.pid = o->pids[i];
		err = discover_process(o->pids[i], targets_found, &w);
		if (err == -ESRCH)
			p_err("no process with PID %d (it may have exited)", o->pids[i]);
	}
	if (!o->nr_pids && !err) {
		discover_ldcache(LDCACHE_PATH, targets_found, &w);
		err = discover_all_processes(targets_found, &w);
	}
	if (err || exiting)
		return exiting ? -EINTR : err;
	if (!attacher__nr_probes(t->att)) {
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

void targets__ready(struct targets *t)
{
	const struct target_files *f = t->files;
	int err;

	instances__report(t->inst);
	p_info("attached %zu probes to %zu files (openssl %zu, gnutls %zu, nss %zu, go %zu)%s. "
	       "Ctrl-C to end.",
	       attacher__nr_probes(t->att), target_files__nr_tls(f, 0),
	       target_files__nr_tls(f, LIB_OPENSSL), target_files__nr_tls(f, LIB_GNUTLS),
	       target_files__nr_tls(f, LIB_NSS), target_files__nr_tls(f, LIB_GO),
	       t->opts->watch ? ", watching for new ones" : "");
	t->ready = true;
	/* New containers appear only to a watch of the whole system. */
	if (t->opts->watch && !t->opts->nr_pids) {
		err = instances__preload(t->inst);
		if (err)
			p_warn("btf: cannot load the other layouts in the background: %s; each "
			       "is loaded when first needed", strerror(-err));
	}
}

void targets__rescan(struct targets *t, pid_t pid)
{
	const struct options *o = t->opts;
	struct walk w = { .t = t, .pid = o->nr_pids ? pid : -1 };

	if (pid) {
		discover_process(pid, targets_found, &w);
		return;
	}
	if (!o->nr_pids) {
		discover_all_processes(targets_found, &w);
		return;
	}
	for (int i = 0; i < o->nr_pids; i++) {
		w.pid = o->pids[i];
		discover_process(o->pids[i], targets_found, &w);
	}
}

int targets__fallback(struct targets *t, pid_t pid)
{
	struct walk w = { .t = t, .pid = pid, .calls = true };

	return discover_process(pid, targets_found, &w);
}

bool targets__exec(struct targets *t, pid_t pid, uint64_t exec_ns)
{
	struct walk w = { .t = t, .pid = t->opts->nr_pids ? pid : -1, .root_of = pid,
			  .exec_ns = exec_ns };

	/* A process in a root not seen before (a container starting): the
	 * libraries its linker cache lists are attached before it maps them. */
	return discover_new_root(&t->roots, pid, targets_found, &w) >= 0;
}
