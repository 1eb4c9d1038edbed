/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_CGROUP_LAYOUT_H
#define __SSLSNIFF_CGROUP_LAYOUT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define CGROUP_CONTROLLER_LEN	32

/*
 * Where this host keeps its cgroups: the cgroup2 hierarchy (unified, or
 * beside v1 controllers on a hybrid host) and one v1 hierarchy, the one the
 * records' v1 ids come from where a process sits at v2's root. Each mount's
 * root within its hierarchy is kept too: a path as /proc/PID/cgroup gives
 * it is the mount point plus what follows that root.
 */
struct cgroup_layout {
	char v2_mount[PATH_MAX];	/* "" when there is no cgroup2 mount */
	char v2_root[PATH_MAX];		/* the mount's root in the hierarchy, "/" */
	char v1_mount[PATH_MAX];	/* "" when no v1 controller is mounted */
	char v1_root[PATH_MAX];
	char v1_controller[CGROUP_CONTROLLER_LEN];	/* "memory", ... */
	int v1_hierarchy;		/* its id, /proc/PID/cgroup's first field */
	int v1_ssid;			/* its index in /proc/cgroups, -1 none */
};

/*
 * Joins the cgroup namespace of PID 1 when sslsniff runs in another (a
 * pod's): /proc/PID/cgroup then gives the host's paths, not "/../..".
 * Before any thread starts (a namespace is per thread). 0, 1 when it was
 * already there (or PID 1's is hidden from it), or -errno.
 */
int cgroup_layout__join_host_ns(void);

/*
 * Reads the layout from /proc/self/mountinfo and /proc/cgroups. A host
 * without cgroups at all gets an empty layout (0): records then carry ids
 * without paths. -errno only when /proc cannot be read.
 */
int cgroup_layout__read(struct cgroup_layout *l);

/*
 * Parses mountinfo's text and /proc/cgroups' into L (what read() does, for
 * tests and for a layout seen from another mount namespace).
 */
int cgroup_layout__parse(struct cgroup_layout *l, const char *mountinfo, const char *cgroups);

/* The hierarchy a record's id is in: v2's, or the layout's v1 one. */
static inline const char *cgroup_layout__mount(const struct cgroup_layout *l, bool v1)
{
	return v1 ? l->v1_mount : l->v2_mount;
}

/*
 * The file system path of cgroup PATH (as /proc/PID/cgroup names it) of
 * the hierarchy, into BUF; -ENOENT when that hierarchy is not mounted or
 * PATH is outside the mount's root, -ENAMETOOLONG.
 */
int cgroup_layout__fs_path(const struct cgroup_layout *l, bool v1, const char *path, char *buf,
			   size_t size);

/*
 * The cgroup path of file system path FS (a directory in one of the
 * layout's mounts), into BUF, and which hierarchy it is in; -ENOENT when
 * FS is in neither.
 */
int cgroup_layout__cgroup_path(const struct cgroup_layout *l, const char *fs, char *buf,
			       size_t size, bool *v1);

#endif
