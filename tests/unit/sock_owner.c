// SPDX-License-Identifier: GPL-2.0
/*
 * lib/sock_owner.c on real sockets: a TCP connection over 127.0.0.1 (and
 * ::1) made here, found by its two ends in /proc/net/tcp(6) and this
 * process's fds; the other end's socket too (both are ours), a closed one
 * and a tuple that is no socket not.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "lib/sock_owner.h"
#include "unit.h"

struct conn {
	int lfd, cfd, afd;
	uint8_t caddr[16], saddr[16];
	uint16_t cport, sport;
};

static int conn_make(struct conn *c, int family)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	if (family == AF_INET)
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		s6->sin6_addr = in6addr_loopback;
	c->lfd = socket(family, SOCK_STREAM, 0);
	if (c->lfd < 0 || bind(c->lfd, (struct sockaddr *)&ss, len) || listen(c->lfd, 1) ||
	    getsockname(c->lfd, (struct sockaddr *)&ss, &len))
		return -1;
	c->cfd = socket(family, SOCK_STREAM, 0);
	if (c->cfd < 0 || connect(c->cfd, (struct sockaddr *)&ss, len))
		return -1;
	c->afd = accept(c->lfd, NULL, NULL);
	if (c->afd < 0 || getsockname(c->cfd, (struct sockaddr *)&ss, &len))
		return -1;
	if (family == AF_INET) {
		memcpy(c->caddr, &s4->sin_addr, 4);
		memcpy(c->saddr, &s4->sin_addr, 4);	/* both 127.0.0.1 */
		c->cport = ntohs(s4->sin_port);
	} else {
		memcpy(c->caddr, &s6->sin6_addr, 16);
		memcpy(c->saddr, &s6->sin6_addr, 16);
		c->cport = ntohs(s6->sin6_port);
	}
	if (getsockname(c->afd, (struct sockaddr *)&ss, &len))
		return -1;
	c->sport = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
	return 0;
}

static void test_family(int family)
{
	struct conn c;
	pid_t pids[4];
	int n;

	if (conn_make(&c, family)) {
		printf("sock_owner: no %s loopback connection here: skipped\n",
		       family == AF_INET ? "IPv4" : "IPv6");
		return;
	}
	/* The client's end, then the server's: both this process's. */
	CHECK(sock_owned_by(getpid(), family, c.caddr, c.cport, c.saddr, c.sport));
	CHECK(sock_owned_by(getpid(), family, c.saddr, c.sport, c.caddr, c.cport));
	n = sock_owners(family, c.caddr, c.cport, c.saddr, c.sport, pids, 4);
	CHECK(n == 1 && pids[0] == getpid());
	/* Not another process's, and no socket with the ports swapped wrong. */
	CHECK(!sock_owned_by(1, family, c.caddr, c.cport, c.saddr, c.sport));
	CHECK(!sock_owned_by(getpid(), family, c.caddr, c.cport, c.saddr, (uint16_t)(c.sport + 1)));
	CHECK(sock_owners(family, c.caddr, (uint16_t)(c.cport + 1), c.saddr, c.sport, pids, 4) == 0);
	/* The listener, by its port: ours; not on another port, nor another's. */
	CHECK(sock_listens(getpid(), family, c.sport));
	CHECK(!sock_listens(getpid(), family, c.cport));
	CHECK(!sock_listens(1, family, c.sport));
	/* Closed: the client's socket gone from our fds (its line may linger). */
	close(c.cfd);
	CHECK(!sock_owned_by(getpid(), family, c.caddr, c.cport, c.saddr, c.sport));
	close(c.afd);
	close(c.lfd);
}

int main(void)
{
	test_family(AF_INET);
	test_family(AF_INET6);
	return unit_failures ? 1 : 0;
}
