// SPDX-License-Identifier: GPL-2.0
/* Program instances: one per library layout, the first owning the maps. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "btf/bpf_load.h"
#include "btf/btf_cache.h"
#include "btf/btf_db.h"
#include "btf/core_btf.h"
#include "btf/instances.h"
#include "btf/layout.h"
#include "lib/digest.h"
#include "lib/log.h"
#include "lib/thread_priority.h"
#include "sslsniff.h"	/* the skeleton names its types */
#include "sslsniff.skel.h"

#define MAX_INSTANCES	32

/* A program instance beyond the first, for one library BTF file. */
struct instance {
	char btf[LAYOUT_BTF_LEN];
	uint8_t sum[DIGEST_LEN];	/* of its BTF (btf_sum()) */
	struct sslsniff_bpf *skel;	/* NULL: could not load (or loading) */
	bool loading;			/* a thread is at it: wait for it */
	bool said;			/* its "another program instance" line is out */
};

struct instances {
	const struct options *opts;
	struct btf_db *db;			/* NULL: none found */
	struct sslsniff_bpf *first;
	char first_btf[NR_LIBS][LAYOUT_BTF_LEN];	/* per library, "" none */
	uint8_t first_sum[NR_LIBS][DIGEST_LEN];	/* ... of its BTF, */
	bool first_has_sum[NR_LIBS];		/* ... when it could be read */
	char msg[NR_LIBS][4 * PATH_MAX];	/* which BTF and why; [0]: no btf-db */
	pthread_mutex_t lock;			/* inst[], nr_inst, the flags */
	pthread_cond_t loaded;
	struct instance inst[MAX_INSTANCES];
	int nr_inst;
	pthread_t preloader;
	bool preloading;			/* the thread was started */
	volatile bool stop;
};

/*
 * The SHA-256 of the BTF in the file at PATH, a cache entry's or a plain
 * file's: instances are told apart by it, not by path, so that layouts
 * that are the same BTF share one (every program one Go toolchain built
 * has the same layout, generated from its own DWARF into an entry of its
 * own, and equal to btf-db's entry of that Go). 0 or -errno.
 */
static int btf_sum(const char *path, uint8_t sum[DIGEST_LEN])
{
	struct btf *btf = btf_cache_parse(path);
	const void *raw;
	__u32 len;
	int err;

	if (!btf)
		return -errno;
	raw = btf__raw_data(btf, &len);
	err = raw ? digest_buf(raw, len, sum) : -ENOMEM;
	btf__free(btf);
	return err;
}

/* Picks SYS's layout for the first instance (LIB's file, or NULL). */
static void instances_choose(struct instances *in, enum tls_library lib, struct target_file *sys)
{
	const char *name = tls_library_name(lib);
	const struct tls_detect *d = sys ? &sys->det : NULL;
	char *msg = in->msg[lib];
	size_t sz = sizeof(in->msg[lib]);
	struct layout_choice c;

	if (!d || !(in->opts->lib_mask & (1U << lib)))
		return;
	if (layout_choose(in->db, in->opts->btf, d, &c)) {
		snprintf(in->first_btf[lib], LAYOUT_BTF_LEN, "%s", c.btf);
		snprintf(msg, sz, "%s %s ('%s'): BTF '%s' (%s)", name, d->version, sys->path,
			 c.btf, c.why);
	} else if (!d->version[0] || d->lib != lib) {
		snprintf(msg, sz, "%s: '%s': version unknown; connections from syscalls only", name,
			 sys->path);
	} else if (in->db) {
		/* Without a database at all, that is said once for all. */
		snprintf(msg, sz, "%s %s: %s; connections from syscalls only", name, d->version,
			 c.why);
	}
}

/* The first instance, relocated against every chosen library BTF at once. */
static int instances_load_first(struct instances *in)
{
	const char *libs[NR_LIBS];
	char core[PATH_MAX];
	size_t nr = 0;
	int fd = -1, err;

	for (int lib = 1; lib < NR_LIBS; lib++) {
		if (in->first_btf[lib][0])
			libs[nr++] = in->first_btf[lib];
	}
	if (nr)
		fd = core_btf_build(in->opts->kernel_btf, libs, nr, core, sizeof(core));
	if (nr && fd < 0) {
		if (in->opts->btf)
			return -EINVAL;
		for (int lib = 1; lib < NR_LIBS; lib++) {
			if (in->first_btf[lib][0])
				snprintf(in->msg[lib], sizeof(in->msg[lib]),
					 "%s: BTF '%s' not usable; connections from syscalls only",
					 tls_library_name(lib), in->first_btf[lib]);
			in->first_btf[lib][0] = '\0';
		}
		nr = 0;
	}
	for (int lib = 1; lib < NR_LIBS; lib++)
		in->first_has_sum[lib] = in->first_btf[lib][0] &&
					 !btf_sum(in->first_btf[lib], in->first_sum[lib]);
	in->first = bpf_load(in->opts, nr ? core : in->opts->kernel_btf, NULL);
	err = in->first ? 0 : -errno;
	if (fd >= 0)
		close(fd);
	return err;
}

struct instances *instances__load(const struct options *o, struct target_file *const *sys)
{
	struct instances *in = calloc(1, sizeof(*in));
	int err;

	if (!in)
		return NULL;
	in->opts = o;
	pthread_mutex_init(&in->lock, NULL);
	pthread_cond_init(&in->loaded, NULL);
	in->db = btf_db__open(NULL);
	if (!in->db)
		snprintf(in->msg[0], sizeof(in->msg[0]),
			 "no btf-db found; connections from syscalls only");
	for (int lib = 1; lib < NR_LIBS; lib++)
		instances_choose(in, lib, sys[lib]);
	err = instances_load_first(in);
	if (err) {
		instances__free(in);
		errno = -err;
		return NULL;
	}
	return in;
}

void instances__free(struct instances *in)
{
	if (!in)
		return;
	if (in->preloading) {
		in->stop = true;
		pthread_join(in->preloader, NULL);
	}
	for (int i = 0; i < in->nr_inst; i++)
		sslsniff_bpf__destroy(in->inst[i].skel);
	sslsniff_bpf__destroy(in->first);
	btf_db__free(in->db);
	pthread_cond_destroy(&in->loaded);
	pthread_mutex_destroy(&in->lock);
	free(in);
}

struct sslsniff_bpf *instances__first(const struct instances *in)
{
	return in->first;
}

static bool instances_is_first(const struct instances *in, const uint8_t sum[DIGEST_LEN])
{
	for (int lib = 1; lib < NR_LIBS; lib++) {
		if (in->first_has_sum[lib] && !memcmp(sum, in->first_sum[lib], DIGEST_LEN))
			return true;
	}
	return false;
}

/* The instance for BTF (its slot marked loading, the lock not held). */
static struct sslsniff_bpf *instances_load_one(struct instances *in, const char *btf)
{
	struct sslsniff_bpf *skel;
	char core[PATH_MAX];
	int fd;

	fd = core_btf_build(in->opts->kernel_btf, &btf, 1, core, sizeof(core));
	if (fd < 0)
		return NULL;
	skel = bpf_load(in->opts, core, in->first);
	close(fd);
	return skel;
}

/*
 * The slot for BTF (whose sum is SUM), with the lock held: found (one of
 * the same BTF, waited for while another
 * thread loads it), or made and marked loading by us (*MINE). NULL when
 * the table is full.
 */
static struct instance *instances_slot(struct instances *in, const char *btf,
				       const uint8_t sum[DIGEST_LEN], bool *mine)
{
	struct instance *s;

	*mine = false;
	for (int i = 0; i < in->nr_inst; i++) {
		s = &in->inst[i];
		if (memcmp(s->sum, sum, DIGEST_LEN))
			continue;
		while (s->loading)
			pthread_cond_wait(&in->loaded, &in->lock);
		return s;
	}
	if (in->nr_inst == MAX_INSTANCES)
		return NULL;
	s = &in->inst[in->nr_inst++];
	snprintf(s->btf, sizeof(s->btf), "%s", btf);
	memcpy(s->sum, sum, DIGEST_LEN);
	s->loading = *mine = true;
	return s;
}

/*
 * The instance for library BTF file BTF: loaded on first use, or by the
 * preloader. *FIRST_USE: a file is the first to be attached with it (for
 * the preloader, never).
 */
static struct sslsniff_bpf *instances_get(struct instances *in, const char *btf,
					  const uint8_t sum[DIGEST_LEN], bool *first_use)
{
	struct sslsniff_bpf *skel;
	struct instance *s;
	bool mine;

	pthread_mutex_lock(&in->lock);
	s = instances_slot(in, btf, sum, &mine);
	if (s && mine) {
		pthread_mutex_unlock(&in->lock);
		skel = instances_load_one(in, btf);
		pthread_mutex_lock(&in->lock);
		s->skel = skel;
		s->loading = false;
		pthread_cond_broadcast(&in->loaded);
	}
	skel = s ? s->skel : NULL;
	if (first_use) {
		*first_use = skel && !s->said;
		if (*first_use)
			s->said = true;
	}
	pthread_mutex_unlock(&in->lock);
	return skel;
}

void instances__progs(struct instances *in, struct target_file *tf)
{
	const struct tls_detect *d = &tf->det;
	struct sslsniff_bpf *skel = NULL;
	uint8_t sum[DIGEST_LEN];
	struct layout_choice c;
	bool first_use = false;
	char family[16];

	if (tf->progs_chosen)
		return;
	if (layout_choose(in->db, in->opts->btf, d, &c) && !btf_sum(c.btf, sum)) {
		skel = instances_is_first(in, sum) ? in->first
						   : instances_get(in, c.btf, sum, &first_use);
		if (first_use) {
			btf_db_family(d->lib, d->version, family, sizeof(family));
			p_info("%s %s: BTF '%s' (another program instance)",
			       tls_library_name(d->lib), family, c.btf);
		}
	}
	tf->progs.layout_ok = skel != NULL;
	if (!skel)
		skel = in->first;
	tf->progs.entry = skel->progs.uprobe_entry;
	tf->progs.ret = skel->progs.uretprobe_return;
	tf->progs_chosen = true;
}

void instances__report(const struct instances *in)
{
	for (int lib = 0; lib < NR_LIBS; lib++) {
		if (in->msg[lib][0])
			p_info("%s", in->msg[lib]);
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every btf-db entry's instance, one after the other, while capture runs. */
static void *instances_preloader(void *arg)
{
	struct instances *in = arg;
	double start = now_s();
	int ready = 1;
	sigset_t all;

	/* The reader raised its priority before this thread began: not for the verifier. */
	thread_priority_reset();
	/* SIGINT and SIGTERM are the main thread's, whose poll they cut short. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	for (size_t i = 0; !in->stop && i < btf_db__nr_entries(in->db); i++) {
		const char *btf = btf_db__entry(in->db, i)->path;
		uint8_t sum[DIGEST_LEN];

		if (btf_sum(btf, sum) || instances_is_first(in, sum))
			continue;
		ready += instances_get(in, btf, sum, NULL) != NULL;
	}
	if (!in->stop)
		p_info("%d program instances ready, one per library layout in btf-db (%.2f s)",
		       ready, now_s() - start);
	return NULL;
}

int instances__preload(struct instances *in)
{
	int err;

	if (!in->db || in->opts->btf)
		return 0;
	err = pthread_create(&in->preloader, NULL, instances_preloader, in);
	if (err)
		return -err;
	in->preloading = true;
	return 0;
}
