/* SPDX-License-Identifier: GPL-2.0 */
/* Placeholder of the API (helper's branch cgroup-id brings the real file). */
#ifndef __SSLSNIFF_RUNTIME_META_H
#define __SSLSNIFF_RUNTIME_META_H
#include "cgroup/container_id.h"
#define META_NAME_LEN	254
struct container_meta {
	char pod_name[META_NAME_LEN];
	char pod_namespace[META_NAME_LEN];
	char container_name[META_NAME_LEN];
	char pod_uid[POD_UID_LEN];
};
int container_meta__read(const char *root, const struct container_ref *ref, struct container_meta *out);
#endif
