// SPDX-License-Identifier: GPL-2.0
/*
 * container_meta__read() on fixture trees laid out as the runtimes lay
 * out their state (containerd's task bundles in the k8s.io and default
 * namespaces, cri-o's and podman's containers/storage with podman's
 * containers.json, Docker's config.v2.json with and without dockershim's
 * labels), the files a real dockerd and containerd wrote
 * (runtime_meta_files.h), and on what must be refused: a missing
 * container, malformed JSON, a FIFO where config.json goes, a 5 MiB file,
 * names with control bytes, too long or not printable.
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include "cgroup/runtime_meta.h"
#include "runtime_meta_files.h"
#include "unit.h"

#define UID "6f1b9c0e-2d4a-4b7e-9a31-5c8d2e7f0a14"
#define UID2 "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"

static char root[64];

/* A 64-hex id made of one digit repeated. */
static const char *id_of(char c)
{
	static char ids[16][65];
	int i = c >= 'a' ? c - 'a' + 10 : c - '0';

	memset(ids[i], c, 64);
	ids[i][64] = '\0';
	return ids[i];
}

/* ROOT/REL with its directories made, holding TEXT. */
static void fixture(const char *rel, const char *text, size_t len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0700);
		*s = '/';
	}
	unit_write_file(path, text, len);
}

static void fixture_s(const char *rel_fmt, const char *id, const char *text)
{
	char rel[256];

	snprintf(rel, sizeof(rel), rel_fmt, id);
	fixture(rel, text, strlen(text));
}

#define TASKS "run/containerd/io.containerd.runtime.v2.task/"

/* The OCI spec containerd's CRI plugin writes, cut down. */
static const char *oci_spec(char *buf, size_t size, const char *annotations)
{
	snprintf(buf, size,
		 "{\"ociVersion\":\"1.1.0\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"
		 "\"args\":[\"nginx\",\"-g\",\"daemon off;\"],\"env\":[\"PATH=/usr/local/sbin:/usr/bin\","
		 "\"NGINX_VERSION=1.25.3\"],\"cwd\":\"/\",\"capabilities\":{\"bounding\":"
		 "[\"CAP_CHOWN\",\"CAP_NET_BIND_SERVICE\"]},\"oomScoreAdj\":1000},"
		 "\"root\":{\"path\":\"rootfs\"},\"mounts\":[{\"destination\":\"/proc\",\"type\":"
		 "\"proc\",\"source\":\"proc\",\"options\":[\"nosuid\",\"noexec\",\"nodev\"]}],"
		 "\"annotations\":{%s},\"linux\":{\"resources\":{\"memory\":{\"limit\":134217728},"
		 "\"cpu\":{\"shares\":102,\"quota\":-1,\"period\":100000}},\"cgroupsPath\":"
		 "\"kubepods-burstable-pod6f1b9c0e_2d4a_4b7e_9a31_5c8d2e7f0a14.slice:cri-containerd:x\","
		 "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}],"
		 "\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"]}}",
		 annotations);
	return buf;
}

static void build_tree(void)
{
	char buf[8192], *big;
	size_t big_len = 5 << 20;

	/* containerd, kubelet's namespace: a container and its pod's sandbox */
	fixture_s(TASKS "k8s.io/%s/config.json", id_of('1'), oci_spec(buf, sizeof(buf),
		  "\"io.kubernetes.cri.container-name\":\"web\","
		  "\"io.kubernetes.cri.container-type\":\"container\","
		  "\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1.25\","
		  "\"io.kubernetes.cri.sandbox-id\":\"2222222222222222222222222222222222222222222222222222222222222222\","
		  "\"io.kubernetes.cri.sandbox-name\":\"nginx-7d4b9c6f5-x2x9k\","
		  "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
		  "\"io.kubernetes.cri.sandbox-uid\":\"" UID "\""));
	fixture_s(TASKS "k8s.io/%s/config.json", id_of('2'), oci_spec(buf, sizeof(buf),
		  "\"io.kubernetes.cri.container-type\":\"sandbox\","
		  "\"io.kubernetes.cri.sandbox-cpu-period\":\"100000\","
		  "\"io.kubernetes.cri.sandbox-id\":\"2222222222222222222222222222222222222222222222222222222222222222\","
		  "\"io.kubernetes.cri.sandbox-log-directory\":\"/var/log/pods/shop_nginx_" UID "\","
		  "\"io.kubernetes.cri.sandbox-name\":\"nginx-7d4b9c6f5-x2x9k\","
		  "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
		  "\"io.kubernetes.cri.sandbox-uid\":\"" UID "\""));
	/* nerdctl in containerd's default namespace (and another namespace) */
	fixture_s(TASKS "default/%s/config.json", id_of('3'), oci_spec(buf, sizeof(buf),
		  "\"nerdctl/hostname\":\"3333333333333\",\"nerdctl/name\":\"my\\u002dnginx\","
		  "\"nerdctl/namespace\":\"default\",\"nerdctl/platform\":\"linux/amd64\""));
	/* Docker's bundle in containerd's moby namespace names nothing */
	fixture_s(TASKS "moby/%s/config.json", id_of('7'), oci_spec(buf, sizeof(buf),
		  "\"org.opencontainers.image.stopSignal\":\"3\""));
	/* cri-o: its run directory's copy, with the pod's annotations as a JSON string */
	fixture_s("run/containers/storage/overlay-containers/%s/userdata/config.json", id_of('4'),
		  oci_spec(buf, sizeof(buf),
		  "\"io.container.manager\":\"cri-o\",\"io.kubernetes.container.hash\":\"2b3c4d5e\","
		  "\"io.kubernetes.container.name\":\"api\","
		  "\"io.kubernetes.cri-o.Annotations\":\"{\\\"io.kubernetes.container.hash\\\":"
		  "\\\"2b3c4d5e\\\",\\\"kubectl.kubernetes.io/last-applied-configuration\\\":"
		  "\\\"{\\\\\\\"apiVersion\\\\\\\":\\\\\\\"v1\\\\\\\"}\\\\n\\\"}\","
		  "\"io.kubernetes.cri-o.ContainerType\":\"container\","
		  "\"io.kubernetes.cri-o.Labels\":\"{\\\"io.kubernetes.pod.name\\\":\\\"not-this\\\"}\","
		  "\"io.kubernetes.pod.name\":\"api-5f6d7c8b9-qwert\","
		  "\"io.kubernetes.pod.namespace\":\"backend\","
		  "\"io.kubernetes.pod.uid\":\"" UID2 "\""));
	/* cri-o's sandbox, in the graph root only */
	fixture_s("var/lib/containers/storage/overlay-containers/%s/userdata/config.json",
		  id_of('5'), oci_spec(buf, sizeof(buf),
		  "\"io.kubernetes.cri-o.ContainerType\":\"sandbox\","
		  "\"io.kubernetes.container.name\":\"POD\","
		  "\"io.kubernetes.pod.name\":\"api-5f6d7c8b9-qwert\","
		  "\"io.kubernetes.pod.namespace\":\"backend\","
		  "\"io.kubernetes.pod.uid\":\"" UID2 "\""));
	/* podman: no Kubernetes names; its name in containers.json */
	fixture_s("var/lib/containers/storage/overlay-containers/%s/userdata/config.json",
		  id_of('6'), oci_spec(buf, sizeof(buf),
		  "\"io.container.manager\":\"libpod\",\"io.podman.annotations.autoremove\":\"FALSE\","
		  "\"org.opencontainers.image.stopSignal\":\"15\""));
	snprintf(buf, sizeof(buf),
		 "[{\"id\":\"%s\",\"names\":[\"k8s_api_x\"],\"image\":\"abc\",\"layer\":\"def\","
		 "\"metadata\":\"{\\\"image-name\\\":\\\"quay.io/x\\\"}\",\"created\":"
		 "\"2026-11-30T10:00:00.1Z\",\"flags\":{\"MountLabel\":\"\",\"ProcessLabel\":\"\"}},"
		 "{\"names\":[\"web-podman\",\"alias\"],\"id\":\"%s\",\"image\":\"abc\",\"layer\":\"0f\","
		 "\"metadata\":\"{}\",\"created\":\"2026-11-30T10:01:00Z\"},"
		 "{\"id\":\"%s\",\"names\":[\"after\"]}]",
		 id_of('4'), id_of('6'), id_of('5'));
	fixture("var/lib/containers/storage/overlay-containers/containers.json", buf, strlen(buf));
	/* docker: plain, and dockershim's with kubelet's labels */
	fixture_s("var/lib/docker/containers/%s/config.v2.json", id_of('7'),
		  "{\"StreamConfig\":{},\"State\":{\"Running\":true,\"Pid\":4242,\"ExitCode\":0},"
		  "\"ID\":\"7777777777777777777777777777777777777777777777777777777777777777\","
		  "\"Created\":\"2026-11-30T10:00:00Z\",\"Path\":\"nginx\",\"Args\":[\"-g\",\"daemon off;\"],"
		  "\"Config\":{\"Hostname\":\"777777777777\",\"Env\":[\"PATH=/usr/bin\"],"
		  "\"Cmd\":[\"nginx\"],\"Image\":\"nginx:1.25\",\"Labels\":{\"maintainer\":"
		  "\"NGINX Docker Maintainers\"}},\"Image\":\"sha256:abc\",\"Name\":\"/web\","
		  "\"Driver\":\"overlay2\",\"MountLabel\":\"\",\"HostnamePath\":\"/var/lib/docker/x\"}");
	fixture_s("var/lib/docker/containers/%s/config.v2.json", id_of('8'),
		  "{\"ID\":\"8888888888888888888888888888888888888888888888888888888888888888\","
		  "\"Config\":{\"Labels\":{\"annotation.io.kubernetes.container.hash\":\"1a2b\","
		  "\"io.kubernetes.container.name\":\"sidecar\",\"io.kubernetes.docker.type\":"
		  "\"container\",\"io.kubernetes.pod.name\":\"legacy-0\",\"io.kubernetes.pod.namespace\":"
		  "\"kube-system\",\"io.kubernetes.pod.uid\":\"" UID "\"}},"
		  "\"Name\":\"/k8s_sidecar_legacy-0_kube-system_" UID "_0\"}");
	/* malformed, a FIFO, too big */
	fixture_s("var/lib/docker/containers/%s/config.v2.json", id_of('9'),
		  "{\"Name\":\"/web\",\"Config\":{\"Labels\":{}}");
	snprintf(buf, sizeof(buf), "%s/" TASKS "k8s.io/%s", root, id_of('a'));
	mkdir(buf, 0700);
	strcat(buf, "/config.json");
	CHECK(mkfifo(buf, 0600) == 0);
	big = malloc(big_len);
	memset(big, ' ', big_len);
	memcpy(big, "{\"Name\":\"/big\"}", 15);
	snprintf(buf, sizeof(buf), "var/lib/docker/containers/%s/config.v2.json", id_of('b'));
	fixture(buf, big, big_len);
	/* just under the bound: read */
	big[(4 << 20) - 1] = '\n';
	snprintf(buf, sizeof(buf), "var/lib/docker/containers/%s/config.v2.json", id_of('f'));
	fixture(buf, big, 4 << 20);
	free(big);
	/* names with control bytes, too long, C1 controls, a bad pod uid */
	fixture_s("var/lib/docker/containers/%s/config.v2.json", id_of('c'),
		  "{\"Name\":\"/we\\u001b[31mb\",\"Config\":{\"Labels\":{"
		  "\"io.kubernetes.pod.name\":\"pod\\u0085x\",\"io.kubernetes.pod.namespace\":\"ns\","
		  "\"io.kubernetes.pod.uid\":\"not-a-uid\"}}}");
	{
		char name[400];

		memset(name, 'n', 300);
		name[300] = '\0';
		snprintf(buf, sizeof(buf),
			 "{\"annotations\":{\"io.kubernetes.container.name\":\"%s\","
			 "\"io.kubernetes.pod.name\":\"p\\u0000\",\"io.kubernetes.pod.namespace\":"
			 "\"%.253s\"}}", name, name);
		fixture_s("run/containers/storage/overlay-containers/%s/userdata/config.json",
			  id_of('d'), buf);
	}
}

/* The real files, where their runtimes keep them. */
static void build_real(void)
{
	fixture("var/lib/docker/containers/" REAL_WEB_ID "/config.v2.json", REAL_DOCKER_WEB,
		strlen(REAL_DOCKER_WEB));
	fixture("var/lib/docker/containers/" REAL_PLAIN_ID "/config.v2.json", REAL_DOCKER_PLAIN,
		strlen(REAL_DOCKER_PLAIN));
	fixture(TASKS "moby/" REAL_PLAIN_ID "/config.json", REAL_MOBY_BUNDLE,
		strlen(REAL_MOBY_BUNDLE));
	fixture(TASKS "default/" REAL_CTR_ID "/config.json", REAL_CTR_BUNDLE,
		strlen(REAL_CTR_BUNDLE));
}

/* The real containers, from the cgroup paths their processes were in. */
static void check_real(void)
{
	static const char *const paths[] = { "/docker/" REAL_WEB_ID, "/docker/" REAL_PLAIN_ID,
					     "/default/" REAL_CTR_ID };
	static const char *const names[] = { "sidecar", "plain-h17a", "ctr-web" };
	struct container_meta m;
	struct container_ref r;

	for (int i = 0; i < 3; i++) {
		CHECK(container_ref__parse(paths[i], strlen(paths[i]), &r));
		CHECK(container_meta__read(root, &r, &m) == 0);
		CHECK_STR(m.container_name, names[i]);
		CHECK(!m.refused && !m.sandbox && !m.pod_uid[0]);
	}
	CHECK(container_ref__parse(paths[0], strlen(paths[0]), &r) && r.runtime == RUNTIME_DOCKER);
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK_STR(m.pod_name, "legacy-0");
	CHECK_STR(m.pod_namespace, "kube-system");
	CHECK(container_ref__parse(paths[2], strlen(paths[2]), &r) &&
	      r.runtime == RUNTIME_CONTAINERD);
}

static struct container_ref ref_of(enum container_runtime rt, const char *id, const char *uid)
{
	struct container_ref r = { .runtime = rt };

	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.pod_uid, sizeof(r.pod_uid), "%s", uid);
	return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

int main(void)
{
	struct container_meta m;
	struct container_ref r;
	char slash_root[80];

	snprintf(root, sizeof(root), "/tmp/sslsniff-unit-meta.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	build_tree();
	build_real();
	check_real();

	/* containerd k8s.io: names; the pod uid is the cgroup's, so not repeated */
	r = ref_of(RUNTIME_CONTAINERD, id_of('1'), UID);
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK_STR(m.pod_name, "nginx-7d4b9c6f5-x2x9k");
	CHECK_STR(m.pod_namespace, "shop");
	CHECK_STR(m.container_name, "web");
	CHECK_STR(m.pod_uid, "");
	CHECK(!m.sandbox && !m.refused);
	/* ... and from the metadata when the cgroup had none; ROOT with a slash */
	snprintf(slash_root, sizeof(slash_root), "%s//", root);
	r = ref_of(RUNTIME_CONTAINERD, id_of('1'), "");
	CHECK(container_meta__read(slash_root, &r, &m) == 0);
	CHECK_STR(m.pod_uid, UID);
	/* the sandbox: no container name */
	r = ref_of(RUNTIME_CONTAINERD, id_of('2'), UID);
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK(m.sandbox && !m.container_name[0] && !strcmp(m.pod_name, "nginx-7d4b9c6f5-x2x9k"));
	/* nerdctl, default namespace */
	r = ref_of(RUNTIME_CONTAINERD, id_of('3'), "");
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK_STR(m.container_name, "my-nginx");
	CHECK(!m.pod_name[0] && !m.pod_namespace[0] && !m.pod_uid[0]);
	/* cri-o: the top-level annotations, not those inside the JSON strings */
	r = ref_of(RUNTIME_CRIO, id_of('4'), "");
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK_STR(m.pod_name, "api-5f6d7c8b9-qwert");
	CHECK_STR(m.pod_namespace, "backend");
	CHECK_STR(m.container_name, "api");
	CHECK_STR(m.pod_uid, UID2);
	r = ref_of(RUNTIME_CRIO, id_of('5'), UID2);
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK(m.sandbox && !m.container_name[0] && !strcmp(m.pod_namespace, "backend"));
	/* podman: containers.json's first name, its members in either order */
	r = ref_of(RUNTIME_PODMAN, id_of('6'), "");
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK_STR(m.container_name, "web-podman");
	CHECK(!m.pod_name[0] && !m.refused);
	/* docker: Name without its slash (not the moby bundle's nothing);
	 * dockershim's labels over its Name */
	r = ref_of(RUNTIME_DOCKER, id_of('7'), "");
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK_STR(m.container_name, "web");
	CHECK(!m.pod_name[0]);
	r = ref_of(RUNTIME_CONTAINERD, id_of('8'), "");	/* a bare id under a pod */
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK_STR(m.container_name, "sidecar");
	CHECK_STR(m.pod_name, "legacy-0");
	CHECK_STR(m.pod_namespace, "kube-system");
	CHECK_STR(m.pod_uid, UID);
	/* missing, malformed, a FIFO, too big, just small enough */
	r = ref_of(RUNTIME_DOCKER, id_of('e'), "");
	CHECK(container_meta__read(root, &r, &m) == -ENOENT);
	r = ref_of(RUNTIME_DOCKER, id_of('9'), "");
	CHECK(container_meta__read(root, &r, &m) == -EINVAL && !m.container_name[0]);
	r = ref_of(RUNTIME_CONTAINERD, id_of('a'), "");
	CHECK(container_meta__read(root, &r, &m) == -ENOEXEC);
	r = ref_of(RUNTIME_DOCKER, id_of('b'), "");
	CHECK(container_meta__read(root, &r, &m) == -EFBIG);
	r = ref_of(RUNTIME_DOCKER, id_of('f'), "");
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK_STR(m.container_name, "big");
	/* refused names: empty, and flagged */
	r = ref_of(RUNTIME_DOCKER, id_of('c'), "");
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK(!m.container_name[0] && !m.pod_name[0] && !m.pod_uid[0]);
	CHECK_STR(m.pod_namespace, "ns");
	CHECK(m.refused == (META_REFUSED_CONTAINER_NAME | META_REFUSED_POD_NAME |
			    META_REFUSED_POD_UID));
	r = ref_of(RUNTIME_CRIO, id_of('d'), "");
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK(!m.container_name[0] && !m.pod_name[0] && strlen(m.pod_namespace) == 253);
	CHECK(m.refused == (META_REFUSED_CONTAINER_NAME | META_REFUSED_POD_NAME));
	/* nspawn: the machine name; not a container; an id not the parser's */
	r = ref_of(RUNTIME_NSPAWN, "my-web", "");
	CHECK(container_meta__read(root, &r, &m) == 0);
	CHECK_STR(m.container_name, "my-web");
	r = ref_of(RUNTIME_NONE, "", "");
	CHECK(container_meta__read(root, &r, &m) == -ENOENT);
	r = ref_of(RUNTIME_DOCKER, "../../../../etc/passwd", "");
	CHECK(container_meta__read(root, &r, &m) == -EINVAL);
	/* a root with nothing in it */
	r = ref_of(RUNTIME_DOCKER, id_of('7'), "");
	CHECK(container_meta__read("/nonexistent-sslsniff-root", &r, &m) == -ENOENT);

	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	UNIT_DONE("runtime_meta");
}
