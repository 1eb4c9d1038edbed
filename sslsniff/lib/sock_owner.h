/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_SOCK_OWNER_H
#define __SSLSNIFF_SOCK_OWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The processes that hold the TCP socket from LADDR:LPORT to RADDR:RPORT
 * (FAMILY AF_INET or AF_INET6, addresses in network order, ports in host
 * order) in sslsniff's network namespace: its inode from /proc/net/tcp or
 * tcp6, then every process's fds. Up to MAX into PIDS; returns how many,
 * or -errno. Costly (every process's fds are read): for the rare
 * connection that needs it.
 */
int sock_owners(int family, const uint8_t *laddr, uint16_t lport, const uint8_t *raddr,
		uint16_t rport, pid_t *pids, int max);

/* Whether process PID holds a TCP socket listening on PORT (any address;
 * FAMILY's table, and tcp6 too for AF_INET: a listener on [::]). */
bool sock_listens(pid_t pid, int family, uint16_t port);

/* Whether process PID holds that socket: its fds only are read. */
bool sock_owned_by(pid_t pid, int family, const uint8_t *laddr, uint16_t lport,
		   const uint8_t *raddr, uint16_t rport);

#endif
