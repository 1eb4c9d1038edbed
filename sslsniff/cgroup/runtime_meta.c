// SPDX-License-Identifier: GPL-2.0
/*
 * A container's pod name, namespace and container name, from the files
 * the node's runtimes keep for it (no daemon's socket is asked: sslsniff
 * reads what is on disk, as root). The sources, the first that exists:
 *   containerd  run/containerd/io.containerd.runtime.v2.task/<ns>/<id>/config.json,
 *               the OCI spec the shim runs: CRI's io.kubernetes.cri.*
 *               annotations, nerdctl's nerdctl/name (namespace k8s.io
 *               first, then up to 64 others)
 *   cri-o and podman (containers/storage)
 *               {run,var/lib}/containers/storage/overlay-containers/<id>/userdata/config.json:
 *               the io.kubernetes.* annotations; podman's name from
 *               var/lib/containers/storage/overlay-containers/containers.json
 *   docker      var/lib/docker/containers/<id>/config.v2.json: Name and
 *               Config.Labels (dockershim's io.kubernetes.*)
 *   systemd-nspawn: the machine name, nothing to read.
 * The files are root's, but what is in them comes from users (names,
 * labels): they are read bounded (META_FILE_MAX, regular files only,
 * lib/json_scan.c) and a name is taken only when printable.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cgroup/runtime_meta.h"
#include "lib/fd_io.h"
#include "lib/fs_open.h"
#include "lib/json_scan.h"

#define CONTAINERD_TASKS	"run/containerd/io.containerd.runtime.v2.task"
#define CONTAINERD_NS_MAX	64
#define STORAGE_CONTAINERS	"containers/storage/overlay-containers"

enum meta_field {
	F_POD_NAME,
	F_POD_NAMESPACE,
	F_CONTAINER_NAME,
	F_POD_UID,
	F_SANDBOX,		/* the value says whether it is the sandbox */
	F_ALT_NAME,		/* a name to use when there is no Kubernetes one */
};

struct meta_key {
	const char *key;
	enum meta_field field;
	const char *sandbox;	/* F_SANDBOX: the value that means a sandbox */
};

static const struct meta_key containerd_keys[] = {
	{ "io.kubernetes.cri.sandbox-name", F_POD_NAME, NULL },
	{ "io.kubernetes.cri.sandbox-namespace", F_POD_NAMESPACE, NULL },
	{ "io.kubernetes.cri.container-name", F_CONTAINER_NAME, NULL },
	{ "io.kubernetes.cri.sandbox-uid", F_POD_UID, NULL },
	{ "io.kubernetes.cri.container-type", F_SANDBOX, "sandbox" },
	{ "nerdctl/name", F_ALT_NAME, NULL },
};

/* cri-o's annotations and dockershim's labels: kubelet's names. */
static const struct meta_key kubelet_keys[] = {
	{ "io.kubernetes.pod.name", F_POD_NAME, NULL },
	{ "io.kubernetes.pod.namespace", F_POD_NAMESPACE, NULL },
	{ "io.kubernetes.container.name", F_CONTAINER_NAME, NULL },
	{ "io.kubernetes.pod.uid", F_POD_UID, NULL },
	{ "io.kubernetes.cri-o.ContainerType", F_SANDBOX, "sandbox" },
	{ "io.kubernetes.docker.type", F_SANDBOX, "podsandbox" },
};

struct meta_scan {
	struct container_meta *out;
	const struct meta_key *keys;
	size_t nr_keys;
	const char *outer, *inner;	/* the keys' object: annotations, Config.Labels */
	bool docker;			/* also the top-level "Name": "/web" */
	char alt_name[META_NAME_LEN];
	unsigned int alt_refused;
};

/*
 * Printable UTF-8 (json_scan checked the encoding): no C0 or C1 control
 * byte, no DEL, no NUL from a "\u0000", and it fits.
 */
static bool meta_name_ok(const char *val, size_t len, size_t size)
{
	if (!len || len >= size)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c == 0xc2 && i + 1 < len && (unsigned char)val[i + 1] < 0xa0)
			return false;	/* U+0080..U+009F */
	}
	return true;
}

/* VAL to DST (SIZE bytes) if it is a name to show, else REFUSED to *FLAGS.
 * An empty value is no name and no refusal. */
static void meta_set(char *dst, size_t size, const char *val, size_t len, unsigned int refused,
		     unsigned int *flags)
{
	if (!len)
		return;
	if (!meta_name_ok(val, len, size)) {
		dst[0] = '\0';
		*flags |= refused;
		return;
	}
	memcpy(dst, val, len);
	dst[len] = '\0';
}

static void meta_field_set(struct meta_scan *m, const struct meta_key *k, const char *val,
			   size_t len)
{
	struct container_meta *out = m->out;

	switch (k->field) {
	case F_POD_NAME:
		meta_set(out->pod_name, sizeof(out->pod_name), val, len, META_REFUSED_POD_NAME,
			 &out->refused);
		break;
	case F_POD_NAMESPACE:
		meta_set(out->pod_namespace, sizeof(out->pod_namespace), val, len,
			 META_REFUSED_POD_NAMESPACE, &out->refused);
		break;
	case F_CONTAINER_NAME:
		meta_set(out->container_name, sizeof(out->container_name), val, len,
			 META_REFUSED_CONTAINER_NAME, &out->refused);
		break;
	case F_POD_UID:
		if (!len)
			break;
		if (pod_uid__valid(val, len)) {
			memcpy(out->pod_uid, val, len);
			out->pod_uid[len] = '\0';
		} else {
			out->refused |= META_REFUSED_POD_UID;
		}
		break;
	case F_SANDBOX:
		out->sandbox |= len == strlen(k->sandbox) && !memcmp(val, k->sandbox, len);
		break;
	case F_ALT_NAME:
		meta_set(m->alt_name, sizeof(m->alt_name), val, len, META_REFUSED_CONTAINER_NAME,
			 &m->alt_refused);
		break;
	}
}

/* Whether level D of P is the object member KEY. */
static bool meta_key_is(const struct json_scan_path *p, int d, const char *key)
{
	size_t n = strlen(key);

	return d < p->depth && p->keys[d] && p->key_lens[d] == n && !memcmp(p->keys[d], key, n);
}

static int meta_scan_value(const struct json_scan_path *p, const char *val, size_t len, void *arg)
{
	struct meta_scan *m = arg;
	int d = m->inner ? 2 : 1;

	if (m->docker && json_scan_path_is(p, "Name", NULL)) {
		if (len && val[0] == '/')
			val++, len--;
		meta_set(m->alt_name, sizeof(m->alt_name), val, len, META_REFUSED_CONTAINER_NAME,
			 &m->alt_refused);
		return 0;
	}
	if (p->depth != d + 1 || !meta_key_is(p, 0, m->outer) ||
	    (m->inner && !meta_key_is(p, 1, m->inner)))
		return 0;
	for (size_t i = 0; i < m->nr_keys; i++)
		if (meta_key_is(p, d, m->keys[i].key))
			meta_field_set(m, &m->keys[i], val, len);
	return 0;
}

/* The whole of PATH, a regular file of at most META_FILE_MAX bytes, in a
 * malloc()ed *BUF. */
static int meta_read_file(const char *path, char **buf, size_t *len)
{
	int fd = fs_open(path), err;

	if (fd < 0)
		return fd;
	err = fd_read_to_end(fd, META_FILE_MAX, buf, len);
	close(fd);
	return err;
}

/* PATH's JSON scanned by M; -ENOENT when there is no such file. */
static int meta_scan_file(const char *path, struct meta_scan *m)
{
	char *buf;
	size_t len;
	int err;

	err = meta_read_file(path, &buf, &len);
	if (err)
		return err;
	err = json_scan(buf, len, meta_scan_value, m);
	free(buf);
	return err;
}

static int meta_path(char *path, size_t size, const char *root, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ROOT joined to the rest (ROOT's trailing slashes dropped) into PATH. */
static int meta_path(char *path, size_t size, const char *root, const char *fmt, ...)
{
	size_t r = strlen(root);
	va_list ap;
	int n;

	while (r && root[r - 1] == '/')
		r--;
	if (r >= size)
		return -ENAMETOOLONG;
	memcpy(path, root, r);
	va_start(ap, fmt);
	n = vsnprintf(path + r, size - r, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size - r ? -ENAMETOOLONG : 0;
}

static int meta_containerd_ns(const char *root, const char *ns, const char *id,
			      struct meta_scan *m)
{
	char path[PATH_MAX];
	int err;

	err = meta_path(path, sizeof(path), root, "/" CONTAINERD_TASKS "/%s/%s/config.json", ns,
			id);
	return err ? err : meta_scan_file(path, m);
}

/*
 * containerd's namespaces: kubelet's k8s.io first, then the others
 * (nerdctl's default, ...), at most CONTAINERD_NS_MAX. Not "moby": Docker
 * runs its containers through containerd there, with bundles that name
 * nothing; its names are in its own config.v2.json, the source after.
 */
static int meta_containerd(const char *root, const char *id, struct meta_scan *m)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;
	int err, seen = 0;

	err = meta_containerd_ns(root, "k8s.io", id, m);
	if (err != -ENOENT)
		return err;
	err = meta_path(path, sizeof(path), root, "/" CONTAINERD_TASKS);
	if (err)
		return err;
	dir = opendir(path);
	if (!dir)
		return errno == ENOTDIR ? -ENOENT : -errno;
	err = -ENOENT;
	while (err == -ENOENT && seen < CONTAINERD_NS_MAX && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, "k8s.io") || !strcmp(de->d_name, "moby"))
			continue;
		seen++;
		err = meta_containerd_ns(root, de->d_name, id, m);
	}
	closedir(dir);
	return err;
}

/* containers/storage: the run directory's copy, else the graph root's. */
static int meta_storage(const char *root, const char *id, struct meta_scan *m)
{
	static const char *const dirs[] = { "run", "var/lib" };
	char path[PATH_MAX];
	int err = -ENOENT;

	for (size_t i = 0; i < 2 && err == -ENOENT; i++) {
		err = meta_path(path, sizeof(path), root, "/%s/" STORAGE_CONTAINERS
				"/%s/userdata/config.json", dirs[i], id);
		if (!err)
			err = meta_scan_file(path, m);
	}
	return err;
}

/* In containers.json's array of {"id": ..., "names": [...]}, the first
 * name of the entry whose id is ours (in either order of the members). */
struct storage_names {
	const char *id;
	size_t entry;		/* the array index being read */
	bool ours;
	char name[META_NAME_LEN];
	unsigned int refused;
};

static int storage_names_value(const struct json_scan_path *p, const char *val, size_t len,
			       void *arg)
{
	struct storage_names *s = arg;

	if (p->depth < 2 || p->keys[0] || !p->keys[1])
		return 0;
	if (p->key_lens[0] != s->entry) {
		if (s->ours)
			return 1;	/* the next entry: ours is complete */
		s->entry = p->key_lens[0];
		s->name[0] = '\0';
		s->refused = 0;
	}
	if (p->depth == 2 && meta_key_is(p, 1, "id"))
		s->ours = len == 64 && !memcmp(val, s->id, 64);
	else if (p->depth == 3 && meta_key_is(p, 1, "names") && !p->keys[2] && !p->key_lens[2])
		meta_set(s->name, sizeof(s->name), val, len, META_REFUSED_CONTAINER_NAME,
			 &s->refused);
	return 0;
}

/* Podman's name for ID, as M's fallback name; -ENOENT without the file. */
static int meta_storage_names(const char *root, const char *id, struct meta_scan *m)
{
	struct storage_names s = { .id = id };
	char path[PATH_MAX], *buf;
	size_t len;
	int err;

	err = meta_path(path, sizeof(path), root,
			"/var/lib/" STORAGE_CONTAINERS "/containers.json");
	if (!err)
		err = meta_read_file(path, &buf, &len);
	if (err)
		return err;
	err = json_scan(buf, len, storage_names_value, &s);
	free(buf);
	if (err < 0)
		return err;
	if (s.ours) {
		memcpy(m->alt_name, s.name, sizeof(s.name));
		m->alt_refused = s.refused;
	}
	return 0;
}

static int meta_docker(const char *root, const char *id, struct meta_scan *m)
{
	char path[PATH_MAX];
	int err;

	err = meta_path(path, sizeof(path), root, "/var/lib/docker/containers/%s/config.v2.json",
			id);
	return err ? err : meta_scan_file(path, m);
}

/* What the sources leave to settle: the name outside Kubernetes, the
 * sandbox's lack of one, the cgroup's pod uid over the metadata's. */
static void meta_finish(const struct container_ref *ref, struct meta_scan *m)
{
	struct container_meta *out = m->out;

	if (out->sandbox) {
		out->container_name[0] = '\0';
		out->refused &= ~(unsigned int)META_REFUSED_CONTAINER_NAME;
	} else if (!out->container_name[0] && !(out->refused & META_REFUSED_CONTAINER_NAME)) {
		memcpy(out->container_name, m->alt_name, sizeof(m->alt_name));
		out->refused |= m->alt_refused;
	}
	if (ref->pod_uid[0]) {
		out->pod_uid[0] = '\0';
		out->refused &= ~(unsigned int)META_REFUSED_POD_UID;
	}
}

static bool meta_id_ok(const char *id)
{
	size_t n = strspn(id, "0123456789abcdef");

	return n == 64 && !id[n];
}

int container_meta__read(const char *root, const struct container_ref *ref,
			 struct container_meta *out)
{
	struct meta_scan m = { .out = out };
	int err;

	memset(out, 0, sizeof(*out));
	if (ref->runtime == RUNTIME_NONE)
		return -ENOENT;
	if (ref->runtime == RUNTIME_NSPAWN) {
		meta_set(out->container_name, sizeof(out->container_name), ref->id,
			 strnlen(ref->id, sizeof(ref->id)), META_REFUSED_CONTAINER_NAME,
			 &out->refused);
		return 0;
	}
	/* The id goes into paths: only what the parser gives, 64 hex. */
	if (!meta_id_ok(ref->id))
		return -EINVAL;
	/* Every runtime's state, whatever the cgroup said: a bare id under a
	 * kubepods pod is containerd's or cri-dockerd's alike. */
	m.keys = containerd_keys;
	m.nr_keys = sizeof(containerd_keys) / sizeof(containerd_keys[0]);
	m.outer = "annotations";
	err = meta_containerd(root, ref->id, &m);
	if (err == -ENOENT) {
		m.keys = kubelet_keys;
		m.nr_keys = sizeof(kubelet_keys) / sizeof(kubelet_keys[0]);
		err = meta_storage(root, ref->id, &m);
		if (!err && !out->container_name[0] && !out->pod_name[0] && !out->sandbox) {
			err = meta_storage_names(root, ref->id, &m);
			if (err == -ENOENT)
				err = 0;
		}
	}
	if (err == -ENOENT) {
		m.outer = "Config";
		m.inner = "Labels";
		m.docker = true;
		err = meta_docker(root, ref->id, &m);
	}
	if (err) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	meta_finish(ref, &m);
	return 0;
}
