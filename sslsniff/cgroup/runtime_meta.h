/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_RUNTIME_META_H
#define __SSLSNIFF_RUNTIME_META_H

#include <stdbool.h>
#include "cgroup/container_id.h"

#define META_NAME_LEN	254
#define META_FILE_MAX	(4 << 20)	/* a bigger runtime file is refused: -EFBIG */

/* What container_meta.refused has: a name the metadata gave but that is
 * not shown (too long, not printable UTF-8, a control byte), left "". */
enum {
	META_REFUSED_POD_NAME = 1 << 0,
	META_REFUSED_POD_NAMESPACE = 1 << 1,
	META_REFUSED_CONTAINER_NAME = 1 << 2,
	META_REFUSED_POD_UID = 1 << 3,	/* not a pod uid's shape */
};

struct container_meta {
	char pod_name[META_NAME_LEN];
	char pod_namespace[META_NAME_LEN];
	char container_name[META_NAME_LEN];
	char pod_uid[POD_UID_LEN];	/* when the metadata names it and the cgroup did not */
	/* The pod's sandbox (pause, infra) container: it has no container
	 * name in Kubernetes, container_name is "" (not dockershim's "POD"). */
	bool sandbox;
	unsigned int refused;	/* META_REFUSED_*: names the metadata had, not taken */
};

/*
 * Reads the node's runtime state for REF under ROOT (the node's root file
 * system as sslsniff sees it: "/" normally, "/host" in a DaemonSet that
 * mounts it there). 0 and OUT filled (empty strings for what was not
 * found; refused names flagged in OUT->refused), -ENOENT when no runtime
 * file names this container, other -errno on a file that cannot be read
 * or parsed (-EFBIG: over META_FILE_MAX; -ENOEXEC: not a regular file;
 * -EINVAL: not JSON) (the caller logs it once, one line, and goes on
 * without names).
 */
int container_meta__read(const char *root, const struct container_ref *ref,
			 struct container_meta *out);

#endif
