/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which cgroup a call comes from, for the records and for --container and
 * --cgroup. cgroup v2 ids come from helpers. A cgroup v1 hierarchy (the one
 * controller user space chose, by its index in /proc/cgroups) is read from
 * the task's css_set with CO-RE: on a hybrid host the containers may be
 * told apart only there.
 */
#ifndef __SSLSNIFF_CGROUP_BPF_H
#define __SSLSNIFF_CGROUP_BPF_H

#define CGROUP_MAX_DEPTH	32	/* levels walked up from a v1 cgroup */

const volatile __s32 targ_cgroup1_ssid = -1;	/* -1: no v1 ids */
const volatile __u32 targ_nr_cgroups = 0;	/* --container, --cgroup */
const volatile struct cgroup_target targ_cgroups[SSLSNIFF_MAX_CGROUPS] = {};

static __always_inline struct cgroup *task_cgroup1(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct cgroup_subsys_state *css = NULL;
	__s32 ssid = targ_cgroup1_ssid;
	struct css_set *cset;

	if (ssid < 0 || ssid >= bpf_core_enum_value(enum cgroup_subsys_id, CGROUP_SUBSYS_COUNT) ||
	    ssid >= CGROUP_SUBSYS_COUNT)
		return NULL;
	cset = BPF_CORE_READ(task, cgroups);
	if (!cset || bpf_core_read(&css, sizeof(css), &cset->subsys[ssid]) || !css)
		return NULL;
	return BPF_CORE_READ(css, cgroup);
}

static __always_inline __u64 cgroup1_id(struct cgroup *cgrp)
{
	return cgrp ? BPF_CORE_READ(cgrp, kn, id) : 0;
}

/* The id of CGRP's ancestor at LEVEL (CGRP's own at its level), 0 if none. */
static __always_inline __u64 cgroup1_ancestor_id(struct cgroup *cgrp, __u32 level)
{
	int depth;

	if (!cgrp)
		return 0;
	depth = BPF_CORE_READ(cgrp, level);
	for (int i = 0; i < CGROUP_MAX_DEPTH && depth > (int)level; i++, depth--) {
		/* css is a cgroup's first member: its parent css is the parent cgroup. */
		cgrp = (struct cgroup *)BPF_CORE_READ(cgrp, self.parent);
		if (!cgrp)
			return 0;
	}
	return depth == (int)level ? cgroup1_id(cgrp) : 0;
}

/*
 * The record's cgroups: v2's, and on a hybrid host v1's too, since a
 * runtime may name its containers in v1 alone (docker's cgroupfs driver:
 * its containers sit in containerd's v2 cgroup).
 */
static __always_inline void fill_cgroup(struct event *h)
{
	h->cgroup_id = bpf_get_current_cgroup_id();
	if (targ_cgroup1_ssid >= 0)
		h->cgroup1_id = cgroup1_id(task_cgroup1());
}

/* Under one of --container's or --cgroup's cgroups (or no such filter). */
static __always_inline bool cgroup_wanted(void)
{
	struct cgroup *cgrp1 = NULL;
	bool cgrp1_read = false;

	if (!targ_nr_cgroups)
		return true;
	for (__u32 i = 0; i < SSLSNIFF_MAX_CGROUPS && i < targ_nr_cgroups; i++) {
		__u32 level = targ_cgroups[i].level;
		__u64 id = targ_cgroups[i].id;

		if (!targ_cgroups[i].v1) {
			if (bpf_get_current_ancestor_cgroup_id(level) == id)
				return true;
			continue;
		}
		if (!cgrp1_read) {
			cgrp1 = task_cgroup1();
			cgrp1_read = true;
		}
		if (cgroup1_ancestor_id(cgrp1, level) == id)
			return true;
	}
	return false;
}

#endif /* __SSLSNIFF_CGROUP_BPF_H */
