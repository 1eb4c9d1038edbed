// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup_layout: the mounts of a hybrid host (this development machine's),
 * a pure v2 host, a v1-only host and a pod's view; paths both ways. Then,
 * as root with a cgroup2 mount, identities__path() on a real cgroup: from
 * /proc/PID/cgroup, and from the id alone once the process has moved.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "unit.h"
#include "cgroup/cgroup_layout.h"
#include "cgroup/identity.h"

static const char hybrid_mounts[] =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
	"39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char hybrid_cgroups[] =
	"#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
	"cpuset\t3\t1\t1\n"
	"cpu\t1\t1\t1\n"
	"cpuacct\t2\t1\t1\n"
	"blkio\t7\t1\t1\n"
	"memory\t4\t56\t1\n"
	"devices\t5\t1\t1\n"
	"freezer\t6\t1\t1\n"
	"net_cls\t0\t1\t1\n"
	"perf_event\t0\t1\t1\n"
	"net_prio\t0\t1\t1\n"
	"hugetlb\t0\t1\t1\n"
	"pids\t8\t1\t1\n";

static void test_hybrid(void)
{
	struct cgroup_layout l;
	char buf[PATH_MAX];
	bool v1;

	CHECK(!cgroup_layout__parse(&l, hybrid_mounts, hybrid_cgroups));
	CHECK_STR(l.v2_mount, "/sys/fs/cgroup/unified");
	CHECK_STR(l.v1_mount, "/sys/fs/cgroup/memory");
	CHECK_STR(l.v1_controller, "memory");
	CHECK(l.v1_hierarchy == 4);
	CHECK(l.v1_ssid == 4);	/* its line in /proc/cgroups: the kernel's index */

	CHECK(!cgroup_layout__fs_path(&l, true, "/process_api/99742a9abddc28b0", buf, sizeof(buf)));
	CHECK_STR(buf, "/sys/fs/cgroup/memory/process_api/99742a9abddc28b0");
	CHECK(!cgroup_layout__fs_path(&l, false, "/", buf, sizeof(buf)));
	CHECK_STR(buf, "/sys/fs/cgroup/unified");
	CHECK(cgroup_layout__fs_path(&l, false, "relative", buf, sizeof(buf)) == -ENOENT);
	CHECK(cgroup_layout__fs_path(&l, false, "/a", buf, 10) == -ENAMETOOLONG);

	CHECK(!cgroup_layout__cgroup_path(&l, "/sys/fs/cgroup/unified/kubepods.slice", buf,
					  sizeof(buf), &v1));
	CHECK_STR(buf, "/kubepods.slice");
	CHECK(!v1);
	CHECK(!cgroup_layout__cgroup_path(&l, "/sys/fs/cgroup/memory", buf, sizeof(buf), &v1));
	CHECK_STR(buf, "/");
	CHECK(v1);
	/* A sibling whose name starts the same is not inside. */
	CHECK(cgroup_layout__cgroup_path(&l, "/sys/fs/cgroup/memoryx/a", buf, sizeof(buf), &v1) ==
	      -ENOENT);
	CHECK(cgroup_layout__cgroup_path(&l, "/sys/fs/cgroup/cpu/a", buf, sizeof(buf), &v1) ==
	      -ENOENT);
}

static void test_pure_v2(void)
{
	static const char mounts[] =
		"29 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
	/* v1 hierarchies exist in the kernel, mounted elsewhere: not ours. */
	struct cgroup_layout l;

	CHECK(!cgroup_layout__parse(&l, mounts, hybrid_cgroups));
	CHECK_STR(l.v2_mount, "/sys/fs/cgroup");
	CHECK_STR(l.v1_mount, "");
	CHECK(l.v1_ssid == -1);
	CHECK(!cgroup_layout__parse(&l, mounts, ""));
	CHECK(l.v1_ssid == -1);
}

static void test_v1_only_and_pod_view(void)
{
	/* No memory controller: pids' hierarchy; a mount point with a space. */
	static const char v1_mounts[] =
		"35 31 0:32 / /sys/fs/cgroup/my\\040pids rw - cgroup cgroup rw,pids\n"
		"36 31 0:33 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n";
	static const char cg[] = "cpuset\t0\t1\t1\ncpu\t2\t1\t1\ncpuacct\t2\t1\t1\n"
				 "memory\t0\t1\t0\npids\t8\t1\t1\n";
	/* A pod's own bind mount of its cgroup (root not "/"), then the host's. */
	static const char pod[] =
		"50 40 0:26 /kubepods.slice/pod1 /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n"
		"51 40 0:26 / /host/sys/fs/cgroup ro - cgroup2 cgroup2 rw\n";
	struct cgroup_layout l;
	char buf[PATH_MAX];
	bool v1;

	CHECK(!cgroup_layout__parse(&l, v1_mounts, cg));
	CHECK_STR(l.v2_mount, "");
	CHECK_STR(l.v1_mount, "/sys/fs/cgroup/my pids");
	CHECK_STR(l.v1_controller, "pids");
	CHECK(l.v1_ssid == 4);	/* its line, memory (disabled) counted */
	CHECK(l.v1_hierarchy == 8);

	CHECK(!cgroup_layout__parse(&l, pod, ""));
	CHECK_STR(l.v2_mount, "/host/sys/fs/cgroup");
	CHECK_STR(l.v2_root, "/");

	/* Only the bind mount: paths outside its root cannot be reached. */
	CHECK(!cgroup_layout__parse(&l, "50 40 0:26 /kubepods.slice/pod1 /sys/fs/cgroup ro - "
					"cgroup2 cgroup2 rw\n", ""));
	CHECK(!cgroup_layout__fs_path(&l, false, "/kubepods.slice/pod1/c", buf, sizeof(buf)));
	CHECK_STR(buf, "/sys/fs/cgroup/c");
	CHECK(cgroup_layout__fs_path(&l, false, "/kubepods.slice/pod10", buf, sizeof(buf)) ==
	      -ENOENT);
	CHECK(!cgroup_layout__cgroup_path(&l, "/sys/fs/cgroup/c", buf, sizeof(buf), &v1));
	CHECK_STR(buf, "/kubepods.slice/pod1/c");
	CHECK(!cgroup_layout__cgroup_path(&l, "/sys/fs/cgroup", buf, sizeof(buf), &v1));
	CHECK_STR(buf, "/kubepods.slice/pod1");

	CHECK(!cgroup_layout__parse(&l, "garbage\n\n1 2 3\n- - -\n", "x y\n#\n"));
	CHECK_STR(l.v2_mount, "");
}

/* identities__path on this host's cgroup2, for a child moved into a new cgroup. */
static void test_real_cgroup(void)
{
	struct cgroup_layout l;
	char dir[PATH_MAX + 64], procs[PATH_MAX + 96], buf[PATH_MAX], name[64];
	struct stat st;
	int pfd[2];
	pid_t pid;
	FILE *f;

	if (geteuid() || cgroup_layout__read(&l) || !*l.v2_mount) {
		printf("real cgroup: skipped (needs root and a cgroup2 mount)\n");
		return;
	}
	snprintf(name, sizeof(name), "/sslsniff-unit-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s%s", l.v2_mount, name);
	CHECK(!mkdir(dir, 0755));
	CHECK(!stat(dir, &st));
	CHECK(!pipe(pfd));
	pid = fork();
	if (!pid) {
		char c;

		close(pfd[1]);
		(void)!read(pfd[0], &c, 1);
		_exit(0);
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	f = fopen(procs, "w");
	CHECK(f && fprintf(f, "%d\n", (int)pid) > 0 && !fclose(f));

	/* From the process's /proc/PID/cgroup. */
	CHECK(!identities__path(&l, st.st_ino, false, pid, buf, sizeof(buf)));
	CHECK_STR(buf, name);
	/* From the id alone (no process), and with a process elsewhere. */
	CHECK(!identities__path(&l, st.st_ino, false, 0, buf, sizeof(buf)));
	CHECK_STR(buf, name);
	CHECK(!identities__path(&l, st.st_ino, false, getpid(), buf, sizeof(buf)));
	CHECK_STR(buf, name);
	CHECK(identities__path(&l, 0x7fffffff00000001ull, false, 0, buf, sizeof(buf)) < 0);

	close(pfd[1]);
	waitpid(pid, NULL, 0);
	CHECK(!rmdir(dir));
	/* Gone: its id names nothing. */
	CHECK(identities__path(&l, st.st_ino, false, 0, buf, sizeof(buf)) < 0);
}

int main(void)
{
	test_hybrid();
	test_pure_v2();
	test_v1_only_and_pod_view();
	test_real_cgroup();
	return unit_failures ? 1 : 0;
}
