// SPDX-License-Identifier: GPL-2.0
/* output_conn(): the "addr:port" strings every writer prints. */
#include <sys/socket.h>
#include "output.h"
#include "unit.h"

static void check_v4(const __u8 s[4], __u16 sport, const __u8 d[4], __u16 dport,
		     const char *want_src, const char *want_dst)
{
	struct event ev = { .family = AF_INET, .sport = sport, .dport = dport };
	char src[CONN_ADDR_LEN], dst[CONN_ADDR_LEN];

	memcpy(ev.saddr, s, 4);
	memcpy(ev.daddr, d, 4);
	CHECK(output_conn(&ev, src, dst));
	CHECK_STR(src, want_src);
	CHECK_STR(dst, want_dst);
}

int main(void)
{
	static const __u8 zero[4], all[4] = { 255, 255, 255, 255 }, lo[4] = { 127, 0, 0, 1 },
			  mixed[4] = { 10, 20, 199, 9 };
	struct event ev = { .family = AF_INET6, .sport = 8443, .dport = 50000 };
	char src[CONN_ADDR_LEN], dst[CONN_ADDR_LEN];

	check_v4(zero, 0, all, 65535, "0.0.0.0:0", "255.255.255.255:65535");
	check_v4(lo, 443, mixed, 1, "127.0.0.1:443", "10.20.199.9:1");
	ev.saddr[15] = 1;
	ev.daddr[0] = 0xfe;
	ev.daddr[1] = 0x80;
	ev.daddr[15] = 0x2a;
	CHECK(output_conn(&ev, src, dst));
	CHECK_STR(src, "[::1]:8443");
	CHECK_STR(dst, "[fe80::2a]:50000");
	ev.family = 0;
	CHECK(!output_conn(&ev, src, dst) && !src[0] && !dst[0]);
	UNIT_DONE("output");
}
