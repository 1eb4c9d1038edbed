/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_CGROUP_FILTER_H
#define __SSLSNIFF_CGROUP_FILTER_H

#include <linux/types.h>
#include "cgroup/cgroup_layout.h"
#include "sslsniff.h"

/* --container and --cgroup as the kernel side checks them (struct cgroup_target). */
struct cgroup_filter {
	struct cgroup_target t[SSLSNIFF_MAX_CGROUPS];
	int nr;
};

/*
 * --cgroup ARG: a directory of one of the layout's cgroup mounts, or a
 * cgroup path as /proc/PID/cgroup names it (v2's, else the v1 one's).
 * 0, or -errno after a one-line error.
 */
int cgroup_filter__add_path(struct cgroup_filter *f, const struct cgroup_layout *l,
			    const char *arg);

/*
 * --container PREFIX: the cgroups of the one container whose id (or nspawn
 * machine name) starts with PREFIX, found by walking the layout's
 * hierarchies. 0, or -errno after a one-line error (none, or ambiguous).
 */
int cgroup_filter__add_container(struct cgroup_filter *f, const struct cgroup_layout *l,
				 const char *prefix);

#endif
