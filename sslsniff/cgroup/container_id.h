/* SPDX-License-Identifier: GPL-2.0 */
/* Placeholder of the API (helper's branch cgroup-id brings the real file). */
#ifndef __SSLSNIFF_CONTAINER_ID_H
#define __SSLSNIFF_CONTAINER_ID_H

#include <stdbool.h>
#include <stddef.h>

enum container_runtime {
	RUNTIME_NONE = 0,
	RUNTIME_DOCKER,
	RUNTIME_CONTAINERD,
	RUNTIME_CRIO,
	RUNTIME_PODMAN,
	RUNTIME_NSPAWN,
};
#define CONTAINER_ID_LEN	65
#define POD_UID_LEN		37
struct container_ref {
	enum container_runtime runtime;
	char id[CONTAINER_ID_LEN];
	char pod_uid[POD_UID_LEN];
	size_t id_end;
	size_t pod_end;
};
bool container_ref__parse(const char *path, size_t len, struct container_ref *out);
const char *container_runtime__name(enum container_runtime rt);
#endif
