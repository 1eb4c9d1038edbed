// SPDX-License-Identifier: GPL-2.0
/*
 * Return probes: uretprobes, or uprobes on return instructions where a
 * uretprobe's system call would kill a program under seccomp. The test
 * is the real thing: a child that refuses the system calls it does not
 * know returns through a uretprobe on a function of this binary.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "lib/log.h"
#include "target/ret_mode.h"

#define URETPROBE_NR	335	/* x86-64's uretprobe system call, 6.11+ */
#define AUDIT_ARCH_X86_64_	0xc000003eU

int ret_probes_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return RET_PROBES_AUTO;
	if (!strcmp(s, "uretprobe"))
		return RET_PROBES_URETPROBE;
	if (!strcmp(s, "insn"))
		return RET_PROBES_INSN;
	return -EINVAL;
}

/* Whether this kernel may return from uretprobes by a system call: x86-64, 6.11+. */
static bool ret_kernel_has_syscall(const char **release)
{
	static struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u))
		return true;
	*release = u.release;
	if (strcmp(u.machine, "x86_64"))
		return false;
	if (sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return true;
	return major > 6 || (major == 6 && minor >= 11);
}

/* The probed function: kept out of line and not folded into its caller. */
__attribute__((noinline, used)) int ret_probes_target(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x + 1;
}

/* The file offset of ADDR in this binary's executable mapping. */
static int ret_file_offset(uintptr_t addr, uint64_t *off)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long start, end, pgoff;
	char perms[8], line[512];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx", &start, &end, perms, &pgoff) != 4)
			continue;
		if (addr >= start && addr < end && perms[2] == 'x') {
			*off = addr - start + pgoff;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

static int ret_read_int(const char *path, const char *fmt, int *v)
{
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, fmt, v);
	fclose(f);
	return n == 1 ? 0 : -EINVAL;
}

/* A counting uretprobe perf event at OFF in this binary, for PID only. */
static int ret_open_uretprobe(pid_t pid, uint64_t off)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	int type, bit, err;

	err = ret_read_int("/sys/bus/event_source/devices/uprobe/type", "%d", &type);
	if (!err)
		err = ret_read_int("/sys/bus/event_source/devices/uprobe/format/retprobe",
				   "config:%d", &bit);
	if (err)
		return err;
	attr.type = type;
	attr.config = 1ULL << bit;
	attr.config1 = (uintptr_t)"/proc/self/exe";
	attr.config2 = off;
	err = syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return err < 0 ? -errno : err;
}

/* The child: waits for the probe, then refuses unknown calls and calls the target. */
static __attribute__((noreturn)) void ret_child(int go)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64_, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* What a profile written before 6.11 does not know, it refuses. */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, URETPROBE_NR, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };
	int (*volatile fn)(int) = ret_probes_target;
	char c;

	alarm(5);
	if (read(go, &c, 1) != 1)
		_exit(2);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		_exit(2);
	_exit(fn(41) == 42 ? 0 : 3);
}

int ret_probes_seccomp_safe(void)
{
	int go[2], efd = -1, status, err;
	uint64_t off = 0, hits = 0;
	pid_t pid;

	err = ret_file_offset((uintptr_t)ret_probes_target, &off);
	if (err)
		return err;
	if (pipe2(go, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		goto out_close;
	}
	if (!pid)
		ret_child(go[0]);
	efd = ret_open_uretprobe(pid, off);
	if (efd < 0)
		err = efd;
	else if (write(go[1], "g", 1) != 1)
		err = -errno;
	if (err)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && efd >= 0 && read(efd, &hits, sizeof(hits)) != sizeof(hits))
		err = -EIO;
	if (!err && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		err = hits ? 1 : -ENODATA;	/* no hit: nothing was tested */
	else if (!err && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		err = 0;
	else if (!err)
		err = WIFEXITED(status) && WEXITSTATUS(status) == 2 ? -ENOSYS : 0;
	if (efd >= 0)
		close(efd);
out_close:
	close(go[0]);
	close(go[1]);
	return err;
}

/*
 * The test's answer, kept for the boot: it costs ~90 ms (registering the
 * probe, and removing it, which waits for an RCU grace period), and the
 * kernel cannot change before the next boot. /run is emptied at boot; the
 * boot id and the release in the file make sure.
 */
#define RET_CACHE_DIR	"/run/sslsniff"
#define RET_CACHE_PATH	RET_CACHE_DIR "/uretprobe-seccomp"

static void ret_cache_key(char *buf, size_t size, const char *release)
{
	char boot[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f) {
		if (!fgets(boot, sizeof(boot), f))
			boot[0] = 0;
		fclose(f);
	}
	boot[strcspn(boot, "\n")] = 0;
	snprintf(buf, size, "%s %s", boot, release);
}

/* 1 safe, 0 unsafe, -ENOENT when not known for this boot. */
static int ret_cache_get(const char *key)
{
	char line[320], want[320];
	int fd = open(RET_CACHE_PATH, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -ENOENT;
	/* Only root's own answer counts: it decides how others' programs are probed. */
	n = fstat(fd, &st) || st.st_uid || (st.st_mode & 022) ? -1
							       : read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	line[n] = 0;
	snprintf(want, sizeof(want), "%s safe\n", key);
	if (!strcmp(line, want))
		return 1;
	snprintf(want, sizeof(want), "%s unsafe\n", key);
	return strcmp(line, want) ? -ENOENT : 0;
}

/* Best effort: without it, the next start tests again. */
static void ret_cache_put(const char *key, bool safe)
{
	char tmp[] = RET_CACHE_DIR "/.uretprobe-seccomp.XXXXXX", line[320];
	int fd, n;

	if (mkdir(RET_CACHE_DIR, 0755) && errno != EEXIST)
		return;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s\n", key, safe ? "safe" : "unsafe");
	if (fchmod(fd, 0644) || write(fd, line, n) != n || rename(tmp, RET_CACHE_PATH))
		unlink(tmp);
	close(fd);
}

enum ret_probes ret_probes_choose(enum ret_probes asked)
{
	char key[200];
	const char *release = "?";
	struct timespec t0, t1;
	int safe;

	if (asked != RET_PROBES_AUTO)
		return asked;
	if (!ret_kernel_has_syscall(&release))
		return RET_PROBES_URETPROBE;

	ret_cache_key(key, sizeof(key), release);
	safe = ret_cache_get(key);
	if (safe >= 0) {
		p_debug("return probes: uretprobes under seccomp: %s (tested before, this boot)",
			safe ? "safe" : "unsafe");
	} else {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		safe = ret_probes_seccomp_safe();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		p_debug("return probes: uretprobes under seccomp tested in %.2f ms: %s",
			(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6,
			safe > 0 ? "safe" : safe == 0 ? "the child was killed" : strerror(-safe));
		if (safe >= 0)
			ret_cache_put(key, safe);
	}
	if (safe > 0)
		return RET_PROBES_URETPROBE;
	if (safe == 0)
		p_info("uretprobes kill programs under seccomp filters on this kernel (%s): "
		       "return probes on return instructions instead", release);
	else
		p_info("cannot tell whether uretprobes are safe under seccomp on this kernel "
		       "(%s): %s; return probes on return instructions instead", release,
		       strerror(-safe));
	return RET_PROBES_INSN_ONLY;
}
