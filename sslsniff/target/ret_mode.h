/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_RET_MODE_H
#define __SSLSNIFF_RET_MODE_H

/*
 * How a hooked function's return is probed. Since Linux 6.11 (x86-64) a
 * uretprobe returns to the program through the uretprobe system call,
 * which kernels before seccomp let it through refuse like any call a
 * filter does not know: a container's default profile then kills the
 * traced program. Probes on the function's return instructions make no
 * system call.
 */
enum ret_probes {
	RET_PROBES_AUTO,	/* --return-probes=auto: tested at start */
	RET_PROBES_URETPROBE,	/* uretprobes */
	RET_PROBES_INSN,	/* return instructions; a uretprobe where they are uncertain */
	RET_PROBES_INSN_ONLY,	/* ... and no uretprobe at all: such functions not probed */
};

/* "auto", "uretprobe" or "insn"; -EINVAL for anything else. */
int ret_probes_parse(const char *s);

/*
 * What AUTO means on this kernel: URETPROBE, unless a child under a seccomp
 * filter that kills unknown system calls dies returning through a
 * uretprobe (or that cannot be tested on a kernel that has the call):
 * then INSN_ONLY, said on stderr in one line. Any other ASKED is returned.
 */
enum ret_probes ret_probes_choose(enum ret_probes asked);

/*
 * 1 when a uretprobe's return is safe under such a filter, 0 when it
 * kills the process, -errno when it could not be tested.
 */
int ret_probes_seccomp_safe(void);

#endif
