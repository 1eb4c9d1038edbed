// SPDX-License-Identifier: GPL-2.0
/*
 * container_ref__parse() on the cgroup paths each runtime and driver
 * writes (shapes from the runtimes' and kubelet's sources: docker's
 * cgroupfs and systemd drivers, kubelet's cgroupfs and systemd pod
 * cgroups with containerd, cri-o and dockershim, nerdctl, ctr, podman
 * rootful, rootless and cgroupfs, machined and machinectl), the paths
 * that are not containers, and every prefix of each.
 */
#include "cgroup/container_id.h"
#include "unit.h"

#define ID  "3f4e2b1a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "6f1b9c0e-2d4a-4b7e-9a31-5c8d2e7f0a14"
#define UID_ "6f1b9c0e_2d4a_4b7e_9a31_5c8d2e7f0a14"
#define STATIC_UID "c2b8e0c4ad6b1ac1a0b5e3f8d9e7a6b5"

struct want {
	const char *path;
	enum container_runtime rt;
	const char *id, *pod_uid;
	const char *cgroup;	/* path[0..id_end) */
	const char *pod;	/* path[0..pod_end), NULL for none */
};

#define KP_SD "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"

static const struct want containers[] = {
	/* docker: cgroupfs driver, systemd driver, a process in a sub-cgroup */
	{ "/docker/" ID, RUNTIME_DOCKER, ID, "", "/docker/" ID, NULL },
	{ "/system.slice/docker-" ID ".scope", RUNTIME_DOCKER, ID, "",
	  "/system.slice/docker-" ID ".scope", NULL },
	{ "/system.slice/docker-" ID ".scope/init.scope", RUNTIME_DOCKER, ID, "",
	  "/system.slice/docker-" ID ".scope", NULL },
	/* docker in docker: the outer container */
	{ "/docker/" ID "/docker/" ID2, RUNTIME_DOCKER, ID, "", "/docker/" ID, NULL },
	{ "/system.slice/docker-" ID ".scope/system.slice/docker-" ID2 ".scope", RUNTIME_DOCKER,
	  ID, "", "/system.slice/docker-" ID ".scope", NULL },
	/* kind: a node container holding a kubelet's pods is the container */
	{ "/system.slice/docker-" ID ".scope/kubepods/burstable/pod" UID "/" ID2, RUNTIME_DOCKER,
	  ID, "", "/system.slice/docker-" ID ".scope", NULL },
	/* containerd under kubelet, cgroupfs: burstable, besteffort, guaranteed */
	{ "/kubepods/burstable/pod" UID "/" ID, RUNTIME_CONTAINERD, ID, UID,
	  "/kubepods/burstable/pod" UID "/" ID, "/kubepods/burstable/pod" UID },
	{ "/kubepods/besteffort/pod" UID "/" ID, RUNTIME_CONTAINERD, ID, UID,
	  "/kubepods/besteffort/pod" UID "/" ID, "/kubepods/besteffort/pod" UID },
	{ "/kubepods/pod" UID "/" ID, RUNTIME_CONTAINERD, ID, UID, "/kubepods/pod" UID "/" ID,
	  "/kubepods/pod" UID },
	/* a static pod's uid is the manifest's hash, 32 hex digits */
	{ "/kubepods/burstable/pod" STATIC_UID "/" ID, RUNTIME_CONTAINERD, ID, STATIC_UID,
	  "/kubepods/burstable/pod" STATIC_UID "/" ID, "/kubepods/burstable/pod" STATIC_UID },
	/* containerd under kubelet, systemd */
	{ KP_SD "/cri-containerd-" ID ".scope", RUNTIME_CONTAINERD, ID, UID,
	  KP_SD "/cri-containerd-" ID ".scope", KP_SD },
	{ KP_SD "/cri-containerd-" ID ".scope/sub", RUNTIME_CONTAINERD, ID, UID,
	  KP_SD "/cri-containerd-" ID ".scope", KP_SD },
	{ "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope",
	  RUNTIME_CONTAINERD, ID, UID,
	  "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" ID ".scope",
	  "/kubepods.slice/kubepods-pod" UID_ ".slice" },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/cri-containerd-" ID ".scope",
	  RUNTIME_CONTAINERD, ID, UID,
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/cri-containerd-" ID ".scope",
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_ ".slice" },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID
	  ".slice/cri-containerd-" ID ".scope",
	  RUNTIME_CONTAINERD, ID, STATIC_UID,
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID
	  ".slice/cri-containerd-" ID ".scope",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID ".slice" },
	/* dockershim / cri-dockerd, systemd */
	{ KP_SD "/docker-" ID ".scope", RUNTIME_DOCKER, ID, UID, KP_SD "/docker-" ID ".scope",
	  KP_SD },
	/* plain containerd: nerdctl's systemd scope, ctr's and nerdctl's cgroupfs */
	{ "/nerdctl.slice/nerdctl-" ID ".scope", RUNTIME_CONTAINERD, ID, "",
	  "/nerdctl.slice/nerdctl-" ID ".scope", NULL },
	{ "/default/" ID, RUNTIME_CONTAINERD, ID, "", "/default/" ID, NULL },
	{ "/k8s.io/" ID, RUNTIME_CONTAINERD, ID, "", "/k8s.io/" ID, NULL },
	/* cri-o: systemd, cgroupfs */
	{ KP_SD "/crio-" ID ".scope", RUNTIME_CRIO, ID, UID, KP_SD "/crio-" ID ".scope", KP_SD },
	{ KP_SD "/crio-" ID ".scope/container", RUNTIME_CRIO, ID, UID,
	  KP_SD "/crio-" ID ".scope", KP_SD },
	{ "/kubepods/burstable/pod" UID "/crio-" ID, RUNTIME_CRIO, ID, UID,
	  "/kubepods/burstable/pod" UID "/crio-" ID, "/kubepods/burstable/pod" UID },
	/* podman: rootful systemd, in a pod, rootless, cgroupfs */
	{ "/machine.slice/libpod-" ID ".scope", RUNTIME_PODMAN, ID, "",
	  "/machine.slice/libpod-" ID ".scope", NULL },
	{ "/machine.slice/libpod-" ID ".scope/container", RUNTIME_PODMAN, ID, "",
	  "/machine.slice/libpod-" ID ".scope", NULL },
	{ "/machine.slice/machine-libpod_pod_" ID2 ".slice/libpod-" ID ".scope", RUNTIME_PODMAN,
	  ID, "", "/machine.slice/machine-libpod_pod_" ID2 ".slice/libpod-" ID ".scope", NULL },
	{ "/machine.slice/libpod-pod-" ID2 ".slice/libpod-" ID ".scope", RUNTIME_PODMAN, ID, "",
	  "/machine.slice/libpod-pod-" ID2 ".slice/libpod-" ID ".scope", NULL },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope",
	  RUNTIME_PODMAN, ID, "",
	  "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope", NULL },
	{ "/libpod_parent/libpod-" ID, RUNTIME_PODMAN, ID, "", "/libpod_parent/libpod-" ID, NULL },
	{ "/libpod_parent/libpod-" ID "/ctr", RUNTIME_PODMAN, ID, "", "/libpod_parent/libpod-" ID,
	  NULL },
	/* --cgroups=split: the container below the caller's own cgroup */
	{ "/system.slice/app.service/libpod-payload-" ID, RUNTIME_PODMAN, ID, "",
	  "/system.slice/app.service/libpod-payload-" ID, NULL },
	{ "/user.slice/user-1000.slice/user@1000.service/app.service/libpod-payload-" ID "/x",
	  RUNTIME_PODMAN, ID, "",
	  "/user.slice/user-1000.slice/user@1000.service/app.service/libpod-payload-" ID, NULL },
	/* nerdctl under system.slice (its default parent with systemd) */
	{ "/system.slice/nerdctl-" ID ".scope", RUNTIME_CONTAINERD, ID, "",
	  "/system.slice/nerdctl-" ID ".scope", NULL },
	/* systemd-nspawn: machinectl's service, machined's scope */
	{ "/machine.slice/systemd-nspawn@web.service", RUNTIME_NSPAWN, "web", "",
	  "/machine.slice/systemd-nspawn@web.service", NULL },
	{ "/machine.slice/systemd-nspawn@my\\x2dweb.service/payload/system.slice/x.service",
	  RUNTIME_NSPAWN, "my-web", "", "/machine.slice/systemd-nspawn@my\\x2dweb.service", NULL },
	{ "/machine.slice/systemd-nspawn@db-1.service", RUNTIME_NSPAWN, "db-1", "",
	  "/machine.slice/systemd-nspawn@db-1.service", NULL },
	{ "/machine.slice/machine-my\\x2dweb.scope", RUNTIME_NSPAWN, "my-web", "",
	  "/machine.slice/machine-my\\x2dweb.scope", NULL },
	{ "/machine.slice/machine-web.scope/init.scope", RUNTIME_NSPAWN, "web", "",
	  "/machine.slice/machine-web.scope", NULL },
};

static const char *const not_containers[] = {
	/* this machine's v1 memory cgroup: 32 hex under an unknown parent */
	"/process_api/99742a9abddc28b079f7c9db681f1ab0",
	"/user.slice/user-0.slice/session-3.scope",
	"/",
	"/init.scope",
	"/system.slice/docker.service",
	"/system.slice/containerd.service",
	/* 63 and 65 hex digits, upper case */
	"/docker/" "3f4e2b1a9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2",
	"/docker/" ID "0",
	"/system.slice/docker-" "3F4E2B1A9C8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F"
	".scope",
	"/docker/" "3F4E2B1A9C8D7E6F5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2F",
	"/system.slice/docker-" ID ".scopex",
	"/system.slice/docker-" ID ".scop",
	"/system.slice/docker-" ID,
	"/system.slice/docker" ID ".scope",
	/* 64 hex under an unknown parent, or a namespace not at the top */
	"/" ID,
	"/moby/" ID,
	"/buildkit/" ID,
	"/foo/default/" ID,
	"/system.slice/" ID,
	/* a bare id must sit right below the pod */
	"/kubepods/burstable/pod" UID "/x/" ID,
	"/kubepods/burstable/" ID,
	"/kubepods/burstable",
	"/kubepods/burstable/pod" UID,
	KP_SD,
	/* pod uids: not a UUID, upper case, the slice's separator in cgroupfs */
	"/kubepods/burstable/pod6f1b9c0e-2d4a-4b7e-9a31-5c8d2e7f0a1/" ID,
	"/kubepods/burstable/pod6F1B9C0E-2d4a-4b7e-9a31-5c8d2e7f0a14/" ID,
	"/kubepods/burstable/pod" UID_ "/" ID,
	"/kubepods/guaranteed/pod" UID "/" ID,
	"/other/burstable/pod" UID "/" ID,
	/* the monitors and pods of cri-o and podman */
	KP_SD "/crio-conmon-" ID ".scope",
	"/kubepods/burstable/pod" UID "/crio-conmon-" ID,
	"/machine.slice/libpod-conmon-" ID ".scope",
	"/machine.slice/libpod-pod-" ID ".slice",
	"/machine.slice/machine-libpod_pod_" ID ".slice",
	"/libpod-payload-" ID ".slice",
	"/libpod-conmon-" ID,
	"/libpod-" ID,
	"/machine.slice/libpod-" ID,
	"/system.slice/app.service/libpod-payload-" ID ".scope",
	/* cgroupfs crio- outside a pod, bare ids in a systemd pod slice */
	"/crio-" ID,
	KP_SD "/crio-" ID,
	KP_SD "/" ID,
	/* nspawn: outside machine.slice, bad escapes, a raw '-' in machined's scope */
	"/system.slice/systemd-nspawn@web.service",
	"/machine.slice/machine-my-web.scope",
	"/machine.slice/machine-my\\x2fweb.scope",
	"/machine.slice/machine-my\\x2.scope",
	"/machine.slice/machine-my\\X2dweb.scope",
	"/machine.slice/machine-\\x2e.scope",
	"/machine.slice/machine-.scope",
	"/machine.slice/systemd-nspawn@.service",
	"/machine.slice/machine-"
	"a123456789b123456789c123456789d123456789e123456789f123456789g1234.scope",
	/* dot-dot, empty components, relative, a trailing slash */
	"/docker/../docker/" ID,
	"/docker/./" ID,
	"/docker//" ID,
	"//docker/" ID,
	"/docker/" ID "/",
	"/docker/" ID "/..",
	"docker/" ID,
	"/..",
	"",
};

static void check_one(const struct want *w)
{
	struct container_ref r;
	size_t len = strlen(w->path);
	int before = unit_failures;

	CHECK(container_ref__parse(w->path, len, &r));
	if (r.runtime != w->rt)
		printf("%s: runtime %d, want %d\n", w->path, r.runtime, w->rt);
	CHECK(r.runtime == w->rt);
	CHECK_STR(r.id, w->id);
	CHECK_STR(r.pod_uid, w->pod_uid);
	CHECK(r.id_end == strlen(w->cgroup) && !strncmp(w->path, w->cgroup, r.id_end));
	CHECK(r.pod_end == (w->pod ? strlen(w->pod) : 0));
	if (w->pod)
		CHECK(!strncmp(w->path, w->pod, r.pod_end));
	if (unit_failures != before)
		printf("  in '%s'\n", w->path);
}

static bool is_zero(const struct container_ref *r)
{
	static const struct container_ref zero;

	return !memcmp(r, &zero, sizeof(zero));
}

/* Every prefix, in a buffer of its own size (ASan sees a read past it):
 * either the container the whole path names, or none. */
static void check_prefixes(const struct want *w)
{
	struct container_ref full, r;
	size_t len = strlen(w->path);

	container_ref__parse(w->path, len, &full);
	for (size_t n = 0; n < len; n++) {
		char *p = malloc(n ? n : 1);

		memcpy(p, w->path, n);
		if (container_ref__parse(p, n, &r)) {
			CHECK(!memcmp(&r, &full, sizeof(r)) && r.id_end <= n);
			if (memcmp(&r, &full, sizeof(r)))
				printf("prefix %zu of '%s' names another container\n", n, w->path);
		} else {
			CHECK(is_zero(&r));
		}
		free(p);
	}
}

/* Longer than the bound: refused, however well-formed. */
static void check_long(void)
{
	struct container_ref r;
	char *p = malloc(CGROUP_PATH_MAX + 2);
	size_t n = 0;

	while (n + 3 < CGROUP_PATH_MAX + 1 - 72)
		n += (size_t)sprintf(p + n, "/ab");
	n += (size_t)sprintf(p + n, "/docker/%s", ID);
	if (n <= CGROUP_PATH_MAX) {
		CHECK(container_ref__parse(p, n, &r) && r.runtime == RUNTIME_DOCKER);
		while (n <= CGROUP_PATH_MAX) {
			memmove(p + 3, p, n);
			memcpy(p, "/ab", 3);
			n += 3;
		}
	}
	CHECK(n > CGROUP_PATH_MAX && !container_ref__parse(p, n, &r) && is_zero(&r));
	free(p);
}

int main(void)
{
	struct container_ref r;

	for (size_t i = 0; i < sizeof(containers) / sizeof(containers[0]); i++) {
		check_one(&containers[i]);
		check_prefixes(&containers[i]);
	}
	for (size_t i = 0; i < sizeof(not_containers) / sizeof(not_containers[0]); i++) {
		const char *p = not_containers[i];

		memset(&r, 0xa5, sizeof(r));
		if (container_ref__parse(p, strlen(p), &r))
			printf("'%s' named %s %s\n", p, container_runtime__name(r.runtime), r.id);
		CHECK(is_zero(&r));
	}
	/* A NUL inside the LEN bytes is no cgroup name's. */
	{
		char p[] = "/docker/" ID;

		p[3] = '\0';
		CHECK(!container_ref__parse(p, sizeof(p) - 1, &r));
	}
	/* LEN, not the NUL, ends the path: a path followed by more bytes. */
	{
		const char *p = "/docker/" ID "\n3:memory:/x";

		CHECK(container_ref__parse(p, 8 + 64, &r) && r.id_end == 72);
	}
	check_long();
	CHECK_STR(container_runtime__name(RUNTIME_DOCKER), "docker");
	CHECK_STR(container_runtime__name(RUNTIME_CONTAINERD), "containerd");
	CHECK_STR(container_runtime__name(RUNTIME_CRIO), "cri-o");
	CHECK_STR(container_runtime__name(RUNTIME_PODMAN), "podman");
	CHECK_STR(container_runtime__name(RUNTIME_NSPAWN), "systemd-nspawn");
	CHECK(container_runtime__name(RUNTIME_NONE) == NULL);
	CHECK(pod_uid__valid(UID, 36) && pod_uid__valid(STATIC_UID, 32));
	CHECK(!pod_uid__valid(UID_, 36) && !pod_uid__valid(UID, 35));
	UNIT_DONE("container_id");
}
