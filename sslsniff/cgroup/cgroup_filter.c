// SPDX-License-Identifier: GPL-2.0
/*
 * --container and --cgroup, turned at start-up into the cgroup ids and
 * levels the kernel side compares each call's cgroup ancestry with, so
 * that other containers' calls never reach the ring.
 */
#include <errno.h>
#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cgroup/cgroup_filter.h"
#include "cgroup/container_id.h"
#include "lib/log.h"

#define WALK_MAX_DIRS	200000	/* cgroups walked for --container: a node has thousands */

/* Components below the hierarchy's root: "/" is 0, "/a/b" 2. */
static __u32 path_level(const char *path)
{
	__u32 level = 0;

	for (const char *p = path; *p; p++)
		level += p[0] == '/' && p[1] && p[1] != '/';
	return level;
}

static int filter_add(struct cgroup_filter *f, const char *fs, __u32 level, bool v1,
		      const char *what)
{
	struct stat st;

	if (stat(fs, &st) || !S_ISDIR(st.st_mode)) {
		p_err("%s: '%s' is not a cgroup directory", what, fs);
		return -ENOENT;
	}
	for (int i = 0; i < f->nr; i++)
		if (f->t[i].id == (__u64)st.st_ino && f->t[i].v1 == v1)
			return 0;
	if (f->nr == SSLSNIFF_MAX_CGROUPS) {
		p_err("%s: at most %d cgroups in all for --container and --cgroup", what,
		      SSLSNIFF_MAX_CGROUPS);
		return -E2BIG;
	}
	f->t[f->nr++] = (struct cgroup_target){ .id = st.st_ino, .level = level, .v1 = v1 };
	return 0;
}

int cgroup_filter__add_path(struct cgroup_filter *f, const struct cgroup_layout *l,
			    const char *arg)
{
	char fs[PATH_MAX], real[PATH_MAX], path[PATH_MAX];
	bool v1;

	if (!*l->v2_mount && !*l->v1_mount) {
		p_err("--cgroup '%s': this host has no cgroup file system mounted", arg);
		return -ENOENT;
	}
	/* A directory of a mount, else a cgroup path of v2, else of v1. */
	if (!realpath(arg, real) || cgroup_layout__cgroup_path(l, real, path, sizeof(path), &v1)) {
		if ((cgroup_layout__fs_path(l, false, arg, fs, sizeof(fs)) || !realpath(fs, real)) &&
		    (cgroup_layout__fs_path(l, true, arg, fs, sizeof(fs)) || !realpath(fs, real))) {
			p_err("--cgroup '%s': no such cgroup under %s%s%s", arg,
			      *l->v2_mount ? l->v2_mount : l->v1_mount,
			      *l->v2_mount && *l->v1_mount ? " or " : "",
			      *l->v2_mount && *l->v1_mount ? l->v1_mount : "");
			return -ENOENT;
		}
		if (cgroup_layout__cgroup_path(l, real, path, sizeof(path), &v1))
			return -ENOENT;
	}
	return filter_add(f, real, path_level(path), v1, "--cgroup");
}

/* A container id or nspawn machine name: no path separators, no spaces. */
static bool prefix_valid(const char *p)
{
	size_t n = strlen(p);

	if (!n || n >= CONTAINER_ID_LEN)
		return false;
	for (; *p; p++)
		if (*p == '/' || *p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

struct container_match {
	char id[CONTAINER_ID_LEN];	/* the first container found */
	char other[CONTAINER_ID_LEN];	/* another one: ambiguous */
	char fs[2][PATH_MAX];		/* its cgroup in v2 and in v1 */
	__u32 level[2];
	int dirs;
};

/* Each directory of the hierarchy that is a container's own cgroup. */
static void walk_hierarchy(const struct cgroup_layout *l, bool v1, const char *prefix,
			   struct container_match *m)
{
	char *roots[] = { (char *)cgroup_layout__mount(l, v1), NULL };
	FTS *fts;

	if (!*roots[0])
		return;
	fts = fts_open(roots, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR, NULL);
	for (FTSENT *e = fts ? fts_read(fts) : NULL; e; e = fts_read(fts)) {
		struct container_ref ref;
		char path[PATH_MAX];
		bool in_v1;

		if (e->fts_info != FTS_D)
			continue;
		if (++m->dirs > WALK_MAX_DIRS)
			break;
		if (cgroup_layout__cgroup_path(l, e->fts_path, path, sizeof(path), &in_v1) ||
		    !container_ref__parse(path, strlen(path), &ref) ||
		    ref.id_end != strlen(path) || strncmp(ref.id, prefix, strlen(prefix)))
			continue;
		if (!*m->id)
			snprintf(m->id, sizeof(m->id), "%s", ref.id);
		if (strcmp(m->id, ref.id)) {
			snprintf(m->other, sizeof(m->other), "%s", ref.id);
			break;
		}
		if (!*m->fs[v1]) {
			snprintf(m->fs[v1], sizeof(m->fs[v1]), "%s", e->fts_path);
			m->level[v1] = path_level(path);
		}
		/* Its sub-cgroups are its own: not another container. */
		fts_set(fts, e, FTS_SKIP);
	}
	if (fts)
		fts_close(fts);
}

int cgroup_filter__add_container(struct cgroup_filter *f, const struct cgroup_layout *l,
				 const char *prefix)
{
	struct container_match *m;
	int err = 0;

	if (!prefix_valid(prefix)) {
		p_err("--container '%s': not a container id or name", prefix);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	walk_hierarchy(l, false, prefix, m);
	if (!*m->other)
		walk_hierarchy(l, true, prefix, m);
	if (*m->other) {
		p_err("--container '%s' is ambiguous: %.12s and %.12s both start with it; give "
		      "more of the id", prefix, m->id, m->other);
		err = -EINVAL;
	} else if (!*m->id) {
		p_err("--container '%s': no running container's id starts with it (looked at "
		      "%d cgroups)", prefix, m->dirs);
		err = -ENOENT;
	}
	for (int v1 = 0; v1 < 2 && !err; v1++) {
		if (!*m->fs[v1])
			continue;
		err = filter_add(f, m->fs[v1], m->level[v1], v1, "--container");
	}
	free(m);
	return err;
}
