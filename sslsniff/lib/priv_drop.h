/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_PRIV_DROP_H
#define __SSLSNIFF_PRIV_DROP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIV_MAX_GROUPS	256
#define PRIV_CAP(c)	(1ULL << (c))

/* -Z USER: who to become, looked up before start-up: no NSS after the switch. */
struct priv_user {
	const char *name;
	uid_t uid;
	gid_t gid;
	gid_t groups[PRIV_MAX_GROUPS];
	int nr_groups;
};

/*
 * USER is a name or a number; a number without a passwd entry gets gid =
 * uid and no other group. 0 or -errno (reported).
 */
int priv_user_lookup(const char *user, struct priv_user *u);

/*
 * Becomes U (NULL: stays who it is) with only the capabilities of KEEP
 * (PRIV_CAP(CAP_*) bits) left, in the effective, permitted and bounding
 * sets; the inheritable and ambient sets are emptied and no_new_privs set,
 * so no exec can gain one. Capabilities the kernel does not know are left
 * out; before CAP_BPF and CAP_PERFMON existed (Linux 5.8) CAP_SYS_ADMIN
 * stands for them. Capabilities are per thread: call it while the process
 * has only one (-EBUSY otherwise). 0 or -errno (reported).
 */
int priv_drop(const struct priv_user *u, uint64_t keep);

/* The calling thread's effective capabilities, PRIV_CAP() bits. */
uint64_t priv_caps_effective(void);

/* "cap_bpf,cap_perfmon": the names of KEEP's capabilities, into BUF. */
const char *priv_cap_names(uint64_t keep, char *buf, size_t size);

#endif
