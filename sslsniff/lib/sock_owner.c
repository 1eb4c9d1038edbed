// SPDX-License-Identifier: GPL-2.0
/* Which processes hold a TCP socket, from /proc: for -i's fallback. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "lib/sock_owner.h"

/*
 * An address as /proc/net/tcp prints it: the 32-bit words of the address
 * in network order, each printed as a native integer in hex (so the bytes
 * in memory are the address's), then ":PORT" in hex.
 */
static int parse_endpoint(const char *s, size_t words, uint8_t *addr, uint16_t *port)
{
	for (size_t i = 0; i < words; i++) {
		char hex[9];
		uint32_t w;
		char *end;

		memcpy(hex, s + 8 * i, 8);
		hex[8] = '\0';
		w = (uint32_t)strtoul(hex, &end, 16);
		if (end != hex + 8)
			return -1;
		memcpy(addr + 4 * i, &w, 4);
	}
	s += 8 * words;
	if (*s != ':')
		return -1;
	*port = (uint16_t)strtoul(s + 1, NULL, 16);
	return 0;
}

static unsigned long socket_inode_in(int family, const uint8_t *laddr, uint16_t lport,
				     const uint8_t *raddr, uint16_t rport);

/*
 * The socket's inode, 0 when no line has those ends. An IPv4 connection
 * may be an IPv6 socket's (one accepted by a listener on [::], as Go's
 * are): its addresses are then IPv4-mapped, in tcp6.
 */
static unsigned long socket_inode(int family, const uint8_t *laddr, uint16_t lport,
				  const uint8_t *raddr, uint16_t rport)
{
	uint8_t l6[16] = { [10] = 0xff, [11] = 0xff }, r6[16] = { [10] = 0xff, [11] = 0xff };
	unsigned long inode = socket_inode_in(family, laddr, lport, raddr, rport);

	if (inode || family != AF_INET)
		return inode;
	memcpy(l6 + 12, laddr, 4);
	memcpy(r6 + 12, raddr, 4);
	return socket_inode_in(AF_INET6, l6, lport, r6, rport);
}

static unsigned long socket_inode_in(int family, const uint8_t *laddr, uint16_t lport,
				     const uint8_t *raddr, uint16_t rport)
{
	size_t words = family == AF_INET ? 1 : 4, alen = 4 * words;
	FILE *f = fopen(family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6", "re");
	char line[512], la[64], ra[64];
	unsigned long inode = 0, ino;

	if (!f)
		return 0;
	while (!inode && fgets(line, sizeof(line), f)) {
		uint8_t a[16], b[16];
		uint16_t pa, pb;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %63s %63s %*s %*s %*s %*s %*s %*s %lu", la, ra, &ino) != 3 ||
		    strlen(la) != 8 * words + 5 || strlen(ra) != 8 * words + 5)
			continue;
		if (parse_endpoint(la, words, a, &pa) || parse_endpoint(ra, words, b, &pb))
			continue;
		if (pa == lport && pb == rport && !memcmp(a, laddr, alen) && !memcmp(b, raddr, alen))
			inode = ino;
	}
	fclose(f);
	return inode;
}

/* Whether process PID has an fd on the socket WANT names ("socket:[INODE]"). */
static bool holds_socket(const char *pid, const char *want)
{
	char path[PATH_MAX], link[64];
	struct dirent *e;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd/%s", pid, e->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = !strcmp(link, want);
	}
	closedir(d);
	return found;
}

int sock_owners(int family, const uint8_t *laddr, uint16_t lport, const uint8_t *raddr,
		uint16_t rport, pid_t *pids, int max)
{
	unsigned long inode = socket_inode(family, laddr, lport, raddr, rport);
	char want[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	if (!inode)
		return 0;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	d = opendir("/proc");
	if (!d)
		return -errno;
	while (n < max && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		if (holds_socket(e->d_name, want))
			pids[n++] = atoi(e->d_name);
	}
	closedir(d);
	return n;
}

bool sock_owned_by(pid_t pid, int family, const uint8_t *laddr, uint16_t lport,
		   const uint8_t *raddr, uint16_t rport)
{
	unsigned long inode = socket_inode(family, laddr, lport, raddr, rport);
	char want[64], p[16];

	if (!inode)
		return false;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	snprintf(p, sizeof(p), "%d", (int)pid);
	return holds_socket(p, want);
}

/* Up to MAX inodes of the sockets listening on PORT in one table. */
static int listen_inodes(const char *table, size_t words, uint16_t port, unsigned long *inodes,
			 int max)
{
	FILE *f = fopen(table, "re");
	char line[512], la[64], st[8];
	unsigned long ino;
	int n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		uint8_t a[16];
		uint16_t pa;

		if (sscanf(line, " %*s %63s %*s %7s %*s %*s %*s %*s %*s %lu", la, st, &ino) != 3 ||
		    strlen(la) != 8 * words + 5 || strcmp(st, "0A") ||
		    parse_endpoint(la, words, a, &pa) || pa != port)
			continue;
		inodes[n++] = ino;
	}
	fclose(f);
	return n;
}

bool sock_listens(pid_t pid, int family, uint16_t port)
{
	unsigned long inodes[8];
	char want[64], p[16];
	int n = 0;

	if (family == AF_INET)
		n = listen_inodes("/proc/net/tcp", 1, port, inodes, 8);
	n += listen_inodes("/proc/net/tcp6", 4, port, inodes + n, 8 - n);
	snprintf(p, sizeof(p), "%d", (int)pid);
	for (int i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "socket:[%lu]", inodes[i]);
		if (holds_socket(p, want))
			return true;
	}
	return false;
}
