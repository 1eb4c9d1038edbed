// SPDX-License-Identifier: GPL-2.0
/*
 * Which cgroup, container and pod a record's caller is in. The kernel side
 * gives a cgroup id per call; everything else is found here once per
 * cgroup and kept, so a busy connection costs one lookup per record.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cgroup/identity.h"
#include "lib/fd_io.h"
#include "lib/hashset.h"
#include "lib/log.h"
#include "sslsniff.h"

#define IDENTITIES_MAX	4096	/* cgroups remembered: more, and all are forgotten */
#define RESOLVE_TRIES	3	/* an id whose path was not found is tried again */
#define PROC_CGROUP_MAX	(64 << 10)
#define FILEID_KERNFS	0xfe	/* the kernel's file handle type for kernfs (cgroupfs) */

struct identity_entry {
	struct identity id;
	int tries;		/* resolutions without a path */
};

struct identities {
	const struct cgroup_layout *layout;
	const char *host_root;
	struct hashmap by_cgroup;
	struct identity_entry **all;	/* for freeing */
	size_t nr;
	bool meta_err_logged;
};

struct identities *identities__new(const struct cgroup_layout *layout, const char *host_root)
{
	struct identities *ids = calloc(1, sizeof(*ids));

	if (!ids)
		return NULL;
	ids->layout = layout;
	ids->host_root = host_root ? host_root : "/";
	ids->all = calloc(IDENTITIES_MAX, sizeof(*ids->all));
	if (!ids->all) {
		free(ids);
		return NULL;
	}
	return ids;
}

static void identities_forget(struct identities *ids)
{
	for (size_t i = 0; i < ids->nr; i++) {
		free(ids->all[i]->id.cgroup);
		free(ids->all[i]);
	}
	ids->nr = 0;
	hashmap_free(&ids->by_cgroup);
}

void identities__free(struct identities *ids)
{
	if (!ids)
		return;
	identities_forget(ids);
	free(ids->all);
	free(ids);
}

/* PID's cgroup in the hierarchy: "0::PATH" for v2, "N:ctrls:PATH" for v1's N. */
static int proc_cgroup_path(const struct cgroup_layout *l, bool v1, int pid, char *buf,
			    size_t size)
{
	char file[64], *text, *save = NULL;
	int fd, err = -ENOENT;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fd_read_to_end(fd, PROC_CGROUP_MAX, &text, NULL);
	close(fd);
	if (err)
		return err;
	err = -ENOENT;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		int hier = atoi(line);

		if (!c2 || hier != (v1 ? l->v1_hierarchy : 0) || (!v1 && c2 != c1 + 1))
			continue;
		err = strlen(c2 + 1) < size ? 0 : -ENAMETOOLONG;
		if (!err)
			strcpy(buf, c2 + 1);
		break;
	}
	free(text);
	return err;
}

/* Whether cgroup PATH of the hierarchy is the cgroup ID (it moved, or ended). */
static bool path_is_id(const struct cgroup_layout *l, bool v1, const char *path, uint64_t id)
{
	char fs[PATH_MAX];
	struct stat st;

	return !cgroup_layout__fs_path(l, v1, path, fs, sizeof(fs)) && !stat(fs, &st) &&
	       S_ISDIR(st.st_mode) && (uint64_t)st.st_ino == id;
}

/* The cgroup's directory opened by its id (kernfs file handles), its path
 * read back from the fd; the caller has gone, or moved since the call. */
static int handle_path(const struct cgroup_layout *l, bool v1, uint64_t id, char *buf,
		       size_t size)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS } };
	char link[64], fs[PATH_MAX];
	int mfd, fd, err;
	ssize_t n;
	bool in_v1;

	memcpy(h.fh.f_handle, &id, sizeof(id));
	mfd = open(cgroup_layout__mount(l, v1), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -errno;
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	close(mfd);
	if (err)
		return err;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, fs, sizeof(fs) - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	fs[n] = '\0';
	err = cgroup_layout__cgroup_path(l, fs, buf, size, &in_v1);
	return !err && in_v1 != v1 ? -ENOENT : err;
}

int identities__path(const struct cgroup_layout *l, uint64_t id, bool v1, int pid, char *buf,
		     size_t size)
{
	if (!*cgroup_layout__mount(l, v1))
		return -ENOENT;
	if (pid > 0 && !proc_cgroup_path(l, v1, pid, buf, size) && path_is_id(l, v1, buf, id))
		return 0;
	return handle_path(l, v1, id, buf, size);
}

/* ID's path of the hierarchy into BUF, or "" when it has none. */
static void identity_path(struct identities *ids, uint64_t id, bool v1, int pid, char *buf,
			  size_t size)
{
	if (!id || identities__path(ids->layout, id, v1, pid, buf, size))
		*buf = '\0';
}

/* Which path the records show (struct identity): set from P2, P1. */
static void identity_choose(struct identity *id, const char *p2, const char *p1)
{
	const char *path = p2;

	if (container_ref__parse(p2, strlen(p2), &id->ref))
		path = p2;
	else if (container_ref__parse(p1, strlen(p1), &id->ref))
		path = p1;
	else if (!*p2 || (!strcmp(p2, "/") && *p1))
		path = p1;
	id->v1 = path == p1;
	id->cgroup = strdup(path);
}

static void identity_resolve(struct identities *ids, struct identity_entry *e, int pid)
{
	struct identity *id = &e->id;
	char p2[PATH_MAX], p1[PATH_MAX];
	int err;

	identity_path(ids, id->cgroup_id, false, pid, p2, sizeof(p2));
	identity_path(ids, id->cgroup1_id, true, pid, p1, sizeof(p1));
	if (!*p2 && !*p1) {
		e->tries++;
		return;
	}
	identity_choose(id, p2, p1);
	if (!id->cgroup || id->ref.runtime == RUNTIME_NONE)
		return;
	err = container_meta__read(ids->host_root, &id->ref, &id->meta);
	if (err && err != -ENOENT && !ids->meta_err_logged) {
		p_warn("container %.12s: its runtime's state under %s cannot be read (%s): "
		       "records name no pod or container", id->ref.id, ids->host_root,
		       strerror(-err));
		ids->meta_err_logged = true;
	}
	if (!*id->ref.pod_uid && *id->meta.pod_uid)
		snprintf(id->ref.pod_uid, sizeof(id->ref.pod_uid), "%s", id->meta.pod_uid);
}

static uint64_t identity_key(const struct event *ev)
{
	uint64_t k[2] = { ev->cgroup_id, ev->cgroup1_id };

	return hashset_key(k, sizeof(k));
}

const struct identity *identities__of(struct identities *ids, const struct event *ev)
{
	uint64_t key = identity_key(ev);
	struct identity_entry *e = hashmap_get(&ids->by_cgroup, key);

	if (e && (e->id.cgroup_id != ev->cgroup_id || e->id.cgroup1_id != ev->cgroup1_id))
		e = NULL;	/* another pair's key: not kept, resolved each time */
	if (!e) {
		if (ids->nr == IDENTITIES_MAX)
			identities_forget(ids);
		e = calloc(1, sizeof(*e));
		if (!e)
			return NULL;
		e->id.cgroup_id = ev->cgroup_id;
		e->id.cgroup1_id = ev->cgroup1_id;
		ids->all[ids->nr++] = e;
		if (!hashmap_get(&ids->by_cgroup, key) && hashmap_put(&ids->by_cgroup, key, e))
			return &e->id;
	}
	if (!e->id.cgroup && e->tries < RESOLVE_TRIES)
		identity_resolve(ids, e, ev->pid);
	return &e->id;
}
