/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_IDENTITY_H
#define __SSLSNIFF_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>
#include "cgroup/cgroup_layout.h"
#include "cgroup/container_id.h"
#include "cgroup/runtime_meta.h"

struct event;

/* Who made a call, as far as its cgroups tell: what every writer shows. */
struct identity {
	uint64_t cgroup_id;	/* v2's */
	uint64_t cgroup1_id;	/* the layout's v1 hierarchy's, 0: none */
	/* The path as the host names it, NULL when unknown: the one that names
	 * a container, else v2's unless it is v2's root, else v1's. */
	char *cgroup;
	bool v1;		/* ... which is v1's */
	struct container_ref ref;	/* runtime RUNTIME_NONE: not in a container */
	struct container_meta meta;	/* names the runtime's state gave ("" unknown) */
};

struct identities;

/*
 * A cache of identities by cgroups (v2's and v1's id), each resolved once:
 * the paths from the caller's /proc/PID/cgroup (checked against the ids),
 * else from the ids themselves (open_by_handle_at); the container from a
 * path; the names from the runtimes' state under HOST_ROOT. NULL on -ENOMEM.
 */
struct identities *identities__new(const struct cgroup_layout *layout, const char *host_root);
void identities__free(struct identities *ids);

/* EV's caller's identity; NULL only when memory ran out. */
const struct identity *identities__of(struct identities *ids, const struct event *ev);

/* The path of cgroup ID of the hierarchy (V1: the layout's v1 one), as the
 * host names it, into BUF, from PID's /proc/PID/cgroup or the id. */
int identities__path(const struct cgroup_layout *layout, uint64_t id, bool v1, int pid,
		     char *buf, size_t size);

#endif
