// SPDX-License-Identifier: GPL-2.0
/*
 * Privileges after start-up (-Z USER, as tcpdump has it): the user switch
 * and the capabilities that remain. No libcap: capget/capset and prctl do
 * all of it.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "lib/log.h"
#include "lib/priv_drop.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON		38
#endif
#ifndef CAP_BPF
#define CAP_BPF			39
#endif
#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE	40
#endif

int priv_user_lookup(const char *user, struct priv_user *u)
{
	struct passwd *pw = getpwnam(user);
	char *end;
	unsigned long n;
	int ng = PRIV_MAX_GROUPS;

	*u = (struct priv_user){ .name = user };
	errno = 0;
	n = strtoul(user, &end, 10);
	if (!pw && *user && !*end && !errno && n < (uid_t)-1)
		pw = getpwuid(n);
	if (!pw && (!*user || *end || errno || n >= (uid_t)-1)) {
		p_err("-Z: no user '%s' (give a name from /etc/passwd or a number)", user);
		return -ENOENT;
	}
	if (!pw) {
		u->uid = u->gid = n;
		return 0;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (getgrouplist(pw->pw_name, pw->pw_gid, u->groups, &ng) < 0) {
		p_err("-Z: user '%s' is in more than %d groups", user, PRIV_MAX_GROUPS);
		return -E2BIG;
	}
	u->nr_groups = ng;
	return 0;
}

/* The highest capability the kernel knows. */
static int priv_cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = CAP_AUDIT_READ;	/* Linux 3.16 */

	if (f) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = CAP_AUDIT_READ;
		fclose(f);
	}
	return last;
}

static bool priv_single_thread(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return true;	/* no /proc: nothing to count with, nor to start threads from it */
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n == 1;
}

uint64_t priv_caps_effective(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &h, d))
		return 0;
	return (uint64_t)d[1].effective << 32 | d[0].effective;
}

/* The effective and permitted sets: KEEP, no more (capset never adds). */
static int priv_capset(uint64_t keep)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

	if (syscall(SYS_capget, &h, d))
		return -errno;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		uint32_t k = keep >> (32 * i);

		d[i].permitted &= k;
		d[i].effective = d[i].permitted;
		d[i].inheritable = 0;
	}
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* setgroups, setgid, setuid: real, effective and saved, so no way back. */
static int priv_switch(const struct priv_user *u)
{
	if (setgroups(u->nr_groups, u->groups) || setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid))
		return -errno;
	if (u->uid && !setuid(0))
		return -EPERM;
	return 0;
}

int priv_drop(const struct priv_user *u, uint64_t keep)
{
	int last = priv_cap_last(), err = 0;
	const char *step = "";

	if (last < CAP_BPF && keep & (PRIV_CAP(CAP_BPF) | PRIV_CAP(CAP_PERFMON)))
		keep |= PRIV_CAP(CAP_SYS_ADMIN);
	if (last < 63)
		keep &= PRIV_CAP(last + 1) - 1;
	if (!priv_single_thread()) {
		p_err("privileges: cannot drop them once threads run (internal error)");
		return -EBUSY;
	}
	/* Without CAP_SETPCAP (run with file capabilities only) the bounding
	 * set stays: no_new_privs below closes exec's way to more anyway. */
	for (int cap = 0; cap <= last; cap++) {
		if (!(keep & PRIV_CAP(cap)) && prctl(PR_CAPBSET_READ, cap) == 1 &&
		    prctl(PR_CAPBSET_DROP, cap) && errno != EPERM) {
			err = -errno;
			step = "bounding set";
			goto out;
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (u) {
		/* The permitted set survives the switch; the effective set does not. */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) {
			err = -errno;
			step = "keepcaps";
			goto out;
		}
		err = priv_switch(u);
		prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
		if (err) {
			step = "switch user";
			goto out;
		}
	}
	err = priv_capset(keep);
	if (err) {
		step = "capset";
		goto out;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		err = -errno;
		step = "no_new_privs";
	}
out:
	if (err && u)
		p_err("-Z %s: %s: %s", u->name, step, strerror(-err));
	else if (err)
		p_err("privileges: %s: %s", step, strerror(-err));
	return err;
}

static const char *const priv_names[] = {
	[CAP_DAC_READ_SEARCH] = "cap_dac_read_search",
	[CAP_KILL] = "cap_kill",
	[CAP_SYS_PTRACE] = "cap_sys_ptrace",
	[CAP_SYS_ADMIN] = "cap_sys_admin",
	[CAP_PERFMON] = "cap_perfmon",
	[CAP_BPF] = "cap_bpf",
	[CAP_CHECKPOINT_RESTORE] = "cap_checkpoint_restore",
};

const char *priv_cap_names(uint64_t keep, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t cap = 0; cap < 64 && off < size; cap++) {
		const char *name = cap < sizeof(priv_names) / sizeof(priv_names[0]) ?
				   priv_names[cap] : NULL;

		if (!(keep & PRIV_CAP(cap)))
			continue;
		off += name ? snprintf(buf + off, size - off, "%s%s", off ? "," : "", name)
			    : snprintf(buf + off, size - off, "%scap_%zu", off ? "," : "", cap);
	}
	if (!off)
		snprintf(buf, size, "none");
	return buf;
}
