// SPDX-License-Identifier: GPL-2.0
/* Library layouts: which BTF each probed file's structs are read with. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "btf/bpf_load.h"
#include "btf/btf_db.h"
#include "btf/core_btf.h"
#include "target/discover.h"
#include "btf/dwarf_layout.h"
#include "btf/layout.h"
#include "lib/log.h"
#include "sslsniff.skel.h"

#define LDCACHE_PATH	"/etc/ld.so.cache"
#define MAX_INSTANCES	8
#define NR_LIBS		(LIB_NSS + 1)
#define BTF_PATH_LEN	(PATH_MAX + 256)

/* A program instance beyond the first, for one library BTF file. */
struct instance {
	char btf[BTF_PATH_LEN];
	struct sslsniff_bpf *skel;	/* NULL: tried, could not load */
};

struct layouts {
	const struct options *opts;
	struct btf_db *db;			/* NULL: none found */
	struct sslsniff_bpf *first;
	char first_btf[NR_LIBS][BTF_PATH_LEN];	/* per library, "" none */
	char msg[NR_LIBS][5 * PATH_MAX];	/* which BTF and why; [0]: no btf-db */
	struct instance inst[MAX_INSTANCES];
	int nr_inst;
};

/* The file whose version picks a library's layout, by file name. */
static const char *const lib_file_prefix[NR_LIBS] = {
	[LIB_OPENSSL] = "libssl.so",
	[LIB_GNUTLS] = "libgnutls.so",
	[LIB_NSS] = "libnspr4.so",	/* PR_Read and PR_Write live in NSPR */
};

struct target_walk {
	enum tls_library lib;
	char *path;
};

/* Keeps the first file of the library a walk finds. */
static int first_lib_file(const char *path, int pid, bool named_tls, void *arg)
{
	struct target_walk *tw = arg;
	const char *base = strrchr(path, '/');
	const char *prefix = lib_file_prefix[tw->lib];

	(void)pid;
	if (!named_tls || !base || strncmp(base + 1, prefix, strlen(prefix)))
		return 0;
	snprintf(tw->path, PATH_MAX, "%s", path);
	return 1;
}

/* The system's file of LIB: named with --lib, mapped by -p, or ld.so's. */
static bool layout_target(const struct options *o, enum tls_library lib, char *path)
{
	struct target_walk tw = { lib, path };

	for (int i = 0; i < o->nr_libs; i++) {
		if (o->libs[i].lib == lib) {
			snprintf(path, PATH_MAX, "%s", o->libs[i].path);
			return true;
		}
	}
	for (int i = 0; i < o->nr_pids; i++) {
		if (discover_process(o->pids[i], first_lib_file, &tw) == 1)
			return true;
	}
	return discover_ldcache(LDCACHE_PATH, first_lib_file, &tw) == 1;
}

/* Whether D's structs can be read with a distribution's layout at all. */
static bool layout_applies(const struct tls_detect *d)
{
	if (!d->lib || !d->version[0])
		return false;
	return d->lib != LIB_OPENSSL || detect_is_shared_openssl(d);
}

/*
 * The library BTF for the file detected as D into BTF: generated from its
 * own DWARF when it has some (exact by construction), else btf-db's entry.
 * WHY says which. False when there is neither.
 */
static bool layout_btf_of(const struct layouts *l, const struct tls_detect *d, char *btf,
			  char *why, size_t why_size)
{
	const struct btf_db_entry *e;
	char from[PATH_MAX];
	bool exact;

	if (!layout_applies(d))
		return false;
	if (!dwarf_layout_btf(d->file, d, btf, BTF_PATH_LEN, from, sizeof(from))) {
		snprintf(why, why_size, "generated from the DWARF in '%s'", from);
		return true;
	}
	e = l->db ? btf_db__find(l->db, d->lib, d->version, &exact) : NULL;
	if (!e)
		return false;
	snprintf(btf, BTF_PATH_LEN, "%s", e->path);
	snprintf(why, why_size, "%s", exact ? "exact version" : "same layout family");
	return true;
}

/* Picks LIB's layout for the first instance. */
static void layout_choose(struct layouts *l, enum tls_library lib)
{
	const char *name = tls_library_name(lib);
	char *msg = l->msg[lib];
	size_t sz = sizeof(l->msg[lib]);
	char target[PATH_MAX], why[PATH_MAX + 64], btf[BTF_PATH_LEN];
	struct tls_detect d;

	if (!(l->opts->lib_mask & (1U << lib)) || !layout_target(l->opts, lib, target))
		return;
	if (detect_tls_file(target, &d) || d.lib != lib || !layout_applies(&d)) {
		snprintf(msg, sz, "%s: '%s': version unknown; connections from syscalls only",
			 name, target);
		return;
	}
	if (!layout_btf_of(l, &d, btf, why, sizeof(why))) {
		/* Without a database at all, that is said once for all. */
		if (l->db)
			snprintf(msg, sz, "%s %s: no layout in %s; connections from syscalls only",
				 name, d.version, btf_db__dir(l->db));
		return;
	}
	snprintf(l->first_btf[lib], BTF_PATH_LEN, "%s", btf);
	snprintf(msg, sz, "%s %s ('%s'): BTF '%s' (%s)", name, d.version, target, btf, why);
}

/* The first instance, relocated against every chosen library BTF at once. */
static int layouts_load_first(struct layouts *l)
{
	const char *libs[NR_LIBS];
	char core[PATH_MAX];
	size_t nr = 0;

	for (int lib = 1; lib < NR_LIBS; lib++) {
		if (l->first_btf[lib][0])
			libs[nr++] = l->first_btf[lib];
	}
	if (nr && core_btf_build(l->opts->kernel_btf, libs, nr, core, sizeof(core))) {
		if (l->opts->btf)
			return -EINVAL;
		for (int lib = 1; lib < NR_LIBS; lib++) {
			if (l->first_btf[lib][0])
				snprintf(l->msg[lib], sizeof(l->msg[lib]),
					 "%s: BTF '%s' not usable; connections from syscalls only",
					 tls_library_name(lib), l->first_btf[lib]);
			l->first_btf[lib][0] = '\0';
		}
		nr = 0;
	}
	l->first = bpf_load(l->opts, nr ? core : l->opts->kernel_btf, NULL);
	return l->first ? 0 : -errno;
}

struct layouts *layouts__load(const struct options *o)
{
	struct layouts *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return NULL;
	l->opts = o;
	l->db = btf_db__open(NULL);
	if (!l->db)
		snprintf(l->msg[0], sizeof(l->msg[0]),
			 "no btf-db found; connections from syscalls only");
	for (int lib = 1; lib < NR_LIBS; lib++)
		layout_choose(l, lib);
	if (o->btf) {
		/* --btf: the user vouches for the layout of every shared libssl. */
		snprintf(l->first_btf[LIB_OPENSSL], BTF_PATH_LEN, "%s", o->btf);
		snprintf(l->msg[LIB_OPENSSL], sizeof(l->msg[LIB_OPENSSL]),
			 "openssl: BTF '%s' (forced with --btf)", o->btf);
	}
	err = layouts_load_first(l);
	if (err) {
		layouts__free(l);
		errno = -err;
		return NULL;
	}
	return l;
}

void layouts__free(struct layouts *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->nr_inst; i++)
		sslsniff_bpf__destroy(l->inst[i].skel);
	sslsniff_bpf__destroy(l->first);
	btf_db__free(l->db);
	free(l);
}

struct sslsniff_bpf *layouts__first(const struct layouts *l)
{
	return l->first;
}

/* The instance for library BTF file BTF (of the file D), loaded on first use. */
static struct sslsniff_bpf *layouts_instance(struct layouts *l, const struct tls_detect *d,
					     const char *btf)
{
	struct instance *in;
	char family[16];
	char core[PATH_MAX];

	for (int i = 0; i < l->nr_inst; i++) {
		if (!strcmp(l->inst[i].btf, btf))
			return l->inst[i].skel;
	}
	if (l->nr_inst == MAX_INSTANCES)
		return NULL;
	in = &l->inst[l->nr_inst++];
	snprintf(in->btf, sizeof(in->btf), "%s", btf);
	if (!core_btf_build(l->opts->kernel_btf, &btf, 1, core, sizeof(core)))
		in->skel = bpf_load(l->opts, core, l->first);
	btf_db_family(d->lib, d->version, family, sizeof(family));
	if (in->skel)
		p_info("%s %s: BTF '%s' (another program instance)", tls_library_name(d->lib),
		       family, btf);
	return in->skel;
}

void layouts__progs(struct layouts *l, const struct tls_detect *d, struct attach_progs *p)
{
	struct sslsniff_bpf *skel = NULL;
	char btf[BTF_PATH_LEN], why[PATH_MAX + 64];

	if (layout_applies(d) && d->lib == LIB_OPENSSL && l->opts->btf) {
		skel = l->first;
	} else if (layout_btf_of(l, d, btf, why, sizeof(why))) {
		if (!strcmp(btf, l->first_btf[d->lib]))
			skel = l->first;
		else
			skel = layouts_instance(l, d, btf);
	}
	p->layout_ok = skel != NULL;
	if (!skel)
		skel = l->first;
	p->entry = skel->progs.uprobe_entry;
	p->ret = skel->progs.uretprobe_return;
}

void layouts__report(const struct layouts *l)
{
	for (int lib = 0; lib < NR_LIBS; lib++) {
		if (l->msg[lib][0])
			p_info("%s", l->msg[lib]);
	}
}
