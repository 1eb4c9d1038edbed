/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_CONTAINER_ID_H
#define __SSLSNIFF_CONTAINER_ID_H

#include <stdbool.h>
#include <stddef.h>

enum container_runtime {
	RUNTIME_NONE = 0,
	RUNTIME_DOCKER,
	RUNTIME_CONTAINERD,	/* CRI (kubepods) and plain containerd/nerdctl */
	RUNTIME_CRIO,
	RUNTIME_PODMAN,
	RUNTIME_NSPAWN,		/* systemd-nspawn / machinectl */
};

#define CONTAINER_ID_LEN	65	/* 64 hex digits, or an nspawn machine name (<= 64), + NUL */
#define POD_UID_LEN		37	/* 8-4-4-4-12 with dashes, or a static pod's 32 hex, + NUL */
#define CGROUP_PATH_MAX		4096	/* a longer path is not a container's */

struct container_ref {
	enum container_runtime runtime;	/* RUNTIME_NONE: not a container */
	char id[CONTAINER_ID_LEN];	/* lower-case 64 hex (or the machine name) */
	char pod_uid[POD_UID_LEN];	/* "" outside a pod; always with dashes when a UUID */
	size_t id_end;	/* bytes of PATH up to the end of the container's own component:
			   the container's cgroup is path[0..id_end) */
	size_t pod_end;	/* ... of the pod's component, 0 when none */
};

/*
 * Parses a cgroup path as /proc/PID/cgroup shows it ("/kubepods.slice/..."),
 * LEN bytes (not necessarily NUL-terminated). Returns true when it names a
 * container; OUT zeroed otherwise.
 */
bool container_ref__parse(const char *path, size_t len, struct container_ref *out);

/* "docker", "containerd", "cri-o", "podman", "systemd-nspawn"; NULL for NONE. */
const char *container_runtime__name(enum container_runtime rt);

/*
 * Whether the LEN bytes of UID are a pod uid as the runtimes' metadata
 * gives it: a lower-case UUID with dashes, or a static pod's 32 hex digits.
 */
bool pod_uid__valid(const char *uid, size_t len);

#endif
