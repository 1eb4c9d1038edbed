// SPDX-License-Identifier: GPL-2.0
/*
 * seccomp_run CMD [ARGS...]: runs CMD under a seccomp filter that allows
 * the x86-64 system calls of Linux 6.10 (0-334, 424-462) and kills the
 * process at any other, as a container profile written before 6.11
 * refuses what it does not know: the uretprobe call (335, 6.11+) too.
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 335, 0, 3),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 424, 0, 1),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 462, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	if (argc < 2) {
		fprintf(stderr, "usage: seccomp_run CMD [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		perror("seccomp_run: seccomp");
		return 2;
	}
	execvp(argv[1], argv + 1);
	perror("seccomp_run: exec");
	return 2;
}
