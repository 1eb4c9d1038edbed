// SPDX-License-Identifier: GPL-2.0
/*
 * Which container a cgroup path names, from the names the runtimes give
 * the cgroups they create. Only exact shapes are taken: a 64-hex id is
 * a container's only where a runtime puts one (a scope named for the
 * runtime, or a bare id under a parent that only that runtime creates),
 * so a 32-hex session cgroup (this machine's /process_api/<32 hex>) or a
 * 64-hex directory under an unknown parent is not a container.
 *
 * Layouts (the runtimes' drivers: cgroupfs, or systemd's units):
 *   docker      /docker/<id>, .../docker-<id>.scope
 *   containerd  kubepods cgroupfs .../pod<uid>/<id>; systemd
 *               .../kubepods-...-pod<uid_>.slice/cri-containerd-<id>.scope;
 *               nerdctl's nerdctl-<id>.scope; ctr's and nerdctl's
 *               cgroupfs /<namespace>/<id> for the namespaces "default" and
 *               "k8s.io" only, at the top (other namespaces are any
 *               directory name: "/moby/<id>" is not taken, as Docker names
 *               its cgroups /docker or docker-*.scope and "moby" is only
 *               its containerd namespace, a directory of task state)
 *   cri-o       crio-<id>.scope; cgroupfs .../pod<uid>/crio-<id>; its
 *               monitor crio-conmon-<id>.scope is not the container
 *   podman      libpod-<id>.scope (also rootless, under user@UID.service);
 *               cgroupfs libpod-<id> under /libpod_parent (anywhere, a cut
 *               libpod-<id>.scope would be one); --cgroups=split's
 *               libpod-payload-<id> in the caller's cgroup; not its monitor
 *               libpod-conmon-<id>.scope nor a pod's libpod-pod-<id>.slice
 *   nspawn      /machine.slice/systemd-nspawn@<name>.service and machined's
 *               /machine.slice/machine-<escaped name>.scope
 * A bare 64-hex id under a kubepods pod is containerd's or, on a
 * dockershim/cri-dockerd node, Docker's: the path cannot tell, it is
 * reported as containerd (runtime_meta.c looks in every runtime's state).
 */
#include <string.h>
#include "cgroup/container_id.h"

struct span {
	const char *s;
	size_t len;
};

/* What the walk down the path knows of the components above the current. */
struct walk {
	struct span parent, grand;
	unsigned int index;		/* of the current component, from 0 */
	bool under_libpod_parent;
	bool parent_is_pod_dir;	/* a cgroupfs pod<uid>, not a systemd pod slice */
};

static bool span_is(struct span c, const char *lit)
{
	size_t n = strlen(lit);

	return c.len == n && !memcmp(c.s, lit, n);
}

/* C's middle when C is PREFIX + middle + SUFFIX, the middle not empty. */
static bool span_strip(struct span c, const char *prefix, const char *suffix, struct span *mid)
{
	size_t p = strlen(prefix), s = strlen(suffix);

	if (c.len <= p + s || memcmp(c.s, prefix, p) || memcmp(c.s + c.len - s, suffix, s))
		return false;
	mid->s = c.s + p;
	mid->len = c.len - p - s;
	return true;
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* No runtime writes upper-case ids: "ABC..." is not one of theirs. */
static bool span_is_id(struct span c)
{
	if (c.len != 64)
		return false;
	for (size_t i = 0; i < c.len; i++)
		if (!is_lower_hex(c.s[i]))
			return false;
	return true;
}

/* A pod uid with SEP where the UUID's dashes go ('_' in systemd's slice
 * names, whose '-' separates the slices), or a static pod's 32 hex digits
 * (kubelet's hash of the manifest); written to OUT with dashes. */
static bool pod_uid_parse(const char *s, size_t len, char sep, char out[POD_UID_LEN])
{
	if (len != 32 && len != 36)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool dash = len == 36 && (i == 8 || i == 13 || i == 18 || i == 23);

		if (dash ? s[i] != sep : !is_lower_hex(s[i]))
			return false;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = s[i] == sep ? '-' : s[i];
	out[len] = '\0';
	return true;
}

bool pod_uid__valid(const char *uid, size_t len)
{
	char tmp[POD_UID_LEN];

	return pod_uid_parse(uid, len, '-', tmp);
}

/* The pod uid of a kubelet pod cgroup: cgroupfs /kubepods[/<qos>]/pod<uid>
 * (*DIR set), systemd kubepods[-<qos>]-pod<uid_>.slice under its QoS slice. */
static bool pod_component(const struct walk *w, struct span c, char out[POD_UID_LEN],
			  bool *dir)
{
	static const struct {
		const char *prefix, *parent;
	} slices[] = {
		{ "kubepods-pod", "kubepods.slice" },
		{ "kubepods-burstable-pod", "kubepods-burstable.slice" },
		{ "kubepods-besteffort-pod", "kubepods-besteffort.slice" },
	};
	struct span mid;

	*dir = span_strip(c, "pod", "", &mid);
	if (*dir)
		return (span_is(w->parent, "kubepods") ||
			((span_is(w->parent, "burstable") || span_is(w->parent, "besteffort")) &&
			 span_is(w->grand, "kubepods"))) &&
		       pod_uid_parse(mid.s, mid.len, '-', out);
	for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++)
		if (span_strip(c, slices[i].prefix, ".slice", &mid))
			return span_is(w->parent, slices[i].parent) &&
			       pod_uid_parse(mid.s, mid.len, '_', out);
	return false;
}

static bool machine_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static int unhex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * A machine name from a unit name's part, systemd's escapes ("\x2d") undone
 * into OUT. machined escapes the scope's name (a '-' there would be a '/'),
 * machinectl puts the name in the service's instance as it is: RAW_DASH
 * says whether a '-' may stand for itself.
 */
static bool machine_name(struct span m, bool raw_dash, char out[CONTAINER_ID_LEN])
{
	size_t n = 0;

	for (size_t i = 0; i < m.len; i++) {
		char c = m.s[i];

		if (c == '\\') {
			int hi, lo;

			if (m.len - i < 4 || m.s[i + 1] != 'x' || (hi = unhex(m.s[i + 2])) < 0 ||
			    (lo = unhex(m.s[i + 3])) < 0)
				return false;
			c = (char)(hi << 4 | lo);
			i += 3;
		} else if (c == '-' && !raw_dash) {
			return false;
		}
		if (!machine_name_char(c) || n == CONTAINER_ID_LEN - 1)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n && strcmp(out, ".") && strcmp(out, "..");
}

static enum container_runtime id_copy(struct span id, enum container_runtime rt,
				      char out[CONTAINER_ID_LEN])
{
	memcpy(out, id.s, id.len);
	out[id.len] = '\0';
	return rt;
}

/* The runtime whose container component C is (its id to OUT), or NONE. */
static enum container_runtime container_component(const struct walk *w, struct span c,
						  char out[CONTAINER_ID_LEN])
{
	static const struct {
		const char *prefix;
		enum container_runtime rt;
	} scopes[] = {
		{ "docker-", RUNTIME_DOCKER },
		{ "cri-containerd-", RUNTIME_CONTAINERD },
		{ "nerdctl-", RUNTIME_CONTAINERD },
		{ "crio-", RUNTIME_CRIO },	/* not crio-conmon-<id>: no id */
		{ "libpod-", RUNTIME_PODMAN },	/* nor libpod-conmon-<id> */
	};
	struct span id;

	for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
		if (span_strip(c, scopes[i].prefix, ".scope", &id) && span_is_id(id))
			return id_copy(id, scopes[i].rt, out);
	if (span_is_id(c)) {
		if (span_is(w->parent, "docker"))
			return id_copy(c, RUNTIME_DOCKER, out);
		if (w->parent_is_pod_dir || (w->index == 1 && (span_is(w->parent, "default") ||
							       span_is(w->parent, "k8s.io"))))
			return id_copy(c, RUNTIME_CONTAINERD, out);
		return RUNTIME_NONE;
	}
	if (w->parent_is_pod_dir && span_strip(c, "crio-", "", &id) && span_is_id(id))
		return id_copy(id, RUNTIME_CRIO, out);
	if (w->under_libpod_parent && span_strip(c, "libpod-", "", &id) && span_is_id(id))
		return id_copy(id, RUNTIME_PODMAN, out);
	/* A directory, never a scope: taken anywhere, no cut name is one. */
	if (span_strip(c, "libpod-payload-", "", &id) && span_is_id(id))
		return id_copy(id, RUNTIME_PODMAN, out);
	if (w->index == 1 && span_is(w->parent, "machine.slice")) {
		if (span_strip(c, "systemd-nspawn@", ".service", &id) &&
		    machine_name(id, true, out))
			return RUNTIME_NSPAWN;
		if (span_strip(c, "machine-", ".scope", &id) && machine_name(id, false, out))
			return RUNTIME_NSPAWN;
	}
	return RUNTIME_NONE;
}

/* An absolute path of non-empty components, none "." or "..", no NUL. */
static bool path_well_formed(const char *path, size_t len)
{
	size_t start = 1;

	if (!len || len > CGROUP_PATH_MAX || path[0] != '/' || memchr(path, '\0', len))
		return false;
	if (len == 1)
		return true;
	for (size_t i = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		if (i == start || (i - start == 1 && path[start] == '.') ||
		    (i - start == 2 && path[start] == '.' && path[start + 1] == '.'))
			return false;
		start = i + 1;
	}
	return true;
}

bool container_ref__parse(const char *path, size_t len, struct container_ref *out)
{
	struct walk w = { 0 };
	size_t start = 1;

	memset(out, 0, sizeof(*out));
	if (!path_well_formed(path, len) || len == 1)
		return false;
	/*
	 * The OUTERMOST container component wins: a container may create
	 * cgroups below its own and name them as it likes (a nested
	 * docker-<id>.scope, a kind node's whole kubepods tree), but it can
	 * never rename the ones above it. What lies below it (its
	 * /init.scope, its /system.slice/...) is the same container.
	 */
	for (size_t i = 1; i <= len; i++) {
		struct span c;
		bool is_pod, dir = false;

		if (i < len && path[i] != '/')
			continue;
		c = (struct span){ path + start, i - start };
		out->runtime = container_component(&w, c, out->id);
		if (out->runtime != RUNTIME_NONE) {
			out->id_end = i;
			return true;
		}
		is_pod = !out->pod_end && pod_component(&w, c, out->pod_uid, &dir);
		if (is_pod)
			out->pod_end = i;
		/* Only kubelet's cgroupfs pods hold bare ids: a systemd pod
		 * slice holds scopes, and ".../crio-<id>" there is no container. */
		w.parent_is_pod_dir = is_pod && dir;
		w.under_libpod_parent |= span_is(c, "libpod_parent");
		w.grand = w.parent;
		w.parent = c;
		w.index++;
		start = i + 1;
	}
	memset(out, 0, sizeof(*out));
	return false;
}

const char *container_runtime__name(enum container_runtime rt)
{
	switch (rt) {
	case RUNTIME_DOCKER:
		return "docker";
	case RUNTIME_CONTAINERD:
		return "containerd";
	case RUNTIME_CRIO:
		return "cri-o";
	case RUNTIME_PODMAN:
		return "podman";
	case RUNTIME_NSPAWN:
		return "systemd-nspawn";
	case RUNTIME_NONE:
		break;
	}
	return NULL;
}
