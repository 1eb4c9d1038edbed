// SPDX-License-Identifier: GPL-2.0
/* pcapng blocks: lengths at both ends, padding, options, the packet itself. */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#include "output/pcapng.h"
#include "unit.h"

static uint8_t file[1 << 20];

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Checks the framing of every block; returns how many, types in TYPES. */
static int walk(size_t len, uint32_t *types, int max)
{
	size_t off = 0;
	int n = 0;

	while (off + 12 <= len && n < max) {
		uint32_t total = u32(file + off + 4);

		CHECK(total % 4 == 0 && total >= 12 && off + total <= len);
		if (total % 4 || total < 12 || off + total > len)
			return -1;
		CHECK(u32(file + off + total - 4) == total);
		types[n++] = u32(file + off);
		off += total;
	}
	CHECK(off == len);
	return n;
}

int main(void)
{
	static const uint8_t pkt[] = { 0x45, 0, 0, 21, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
				       15, 16, 0xaa };
	struct iovec iov[2] = { { (void *)pkt, 10 }, { (void *)(pkt + 10), sizeof(pkt) - 10 } };
	static uint8_t big[PCAPNG_SNAPLEN + 1];
	struct iovec big_iov = { big, sizeof(big) };
	uint32_t types[8];
	int fd = memfd_create("pcapng", 0);
	struct pcapng *p;
	ssize_t len;
	size_t epb;

	CHECK(fd >= 0);
	p = pcapng__new(fd, "sslsniff test");
	CHECK(p != NULL);
	CHECK(pcapng__packet(p, 1700000000123456789ULL, iov, 2, "pid 1 comm x") == 0);
	CHECK(pcapng__packet(p, 5, iov, 2, NULL) == 0);
	CHECK(pcapng__packet(p, 5, &big_iov, 1, NULL) == -EMSGSIZE);
	/* Blocks wait until a flush: only the header is out yet. */
	len = pread(fd, file, sizeof(file), 0);
	CHECK(walk(len, types, 8) == 2);
	CHECK(pcapng__flush(p) == 0);
	len = pread(fd, file, sizeof(file), 0);
	CHECK(walk(len, types, 8) == 4);
	CHECK(types[0] == 0x0A0D0D0A && types[1] == 1 && types[2] == 6 && types[3] == 6);
	CHECK(u32(file + 8) == 0x1A2B3C4D);
	CHECK(memmem(file, len, "sslsniff test", 13) != NULL);

	/* The first EPB: interface 0, split timestamp, both lengths, data, padding, comment. */
	epb = u32(file + 4);
	epb += u32(file + epb + 4);
	CHECK(u32(file + epb + 8) == 0);
	CHECK(((uint64_t)u32(file + epb + 12) << 32 | u32(file + epb + 16)) ==
	      1700000000123456789ULL);
	CHECK(u32(file + epb + 20) == sizeof(pkt) && u32(file + epb + 24) == sizeof(pkt));
	CHECK(!memcmp(file + epb + 28, pkt, sizeof(pkt)));
	CHECK(!memcmp(file + epb + 28 + sizeof(pkt), "\0\0\0", 3));
	CHECK(u32(file + epb + 28 + 24) == (12U << 16 | 1));	/* opt_comment, 12 bytes */
	CHECK(!memcmp(file + epb + 28 + 28, "pid 1 comm x", 12));
	CHECK(u32(file + epb + 28 + 40) == 0);			/* opt_endofopt */

	/* The ISB: interface id, the end time, then the options in order. */
	{
		struct pcapng_if_stats st = { .start_ns = 1ULL << 40, .end_ns = (1ULL << 40) + 7,
					      .ifrecv = 11, .ifdrop = 3, .filteraccept = 8,
					      .osdrop = 2 };
		size_t isb = len;
		uint64_t v;

		CHECK(pcapng__interface_stats(p, 1, &st, NULL) == -EINVAL);
		CHECK(pcapng__interface_stats(p, 0, &st, "lost") == 0);
		CHECK(pcapng__flush(p) == 0);
		len = pread(fd, file, sizeof(file), 0);
		CHECK(walk(len, types, 8) == 5 && types[4] == 5);
		CHECK(u32(file + isb + 8) == 0 && u32(file + isb + 12) == 256 &&
		      u32(file + isb + 16) == 7);
		CHECK(u32(file + isb + 20) == (8U << 16 | 2));		/* isb_starttime */
		CHECK(u32(file + isb + 24) == 256 && u32(file + isb + 28) == 0);
		CHECK(u32(file + isb + 32) == (8U << 16 | 3));		/* isb_endtime */
		for (int code = 4; code <= 8; code++) {
			size_t o = isb + 44 + (code - 4) * 12;

			CHECK(u32(file + o) == (8U << 16 | code));
			memcpy(&v, file + o + 4, 8);
			CHECK(v == (code == 4 ? 11 : code == 5 ? 3 : code == 6 ? 8 :
				    code == 7 ? 2 : 2 /* usrdeliv: the two EPBs */));
		}
		CHECK(u32(file + isb + 104) == (4U << 16 | 1) &&
		      !memcmp(file + isb + 108, "lost", 4));
	}
	pcapng__close(p);

	/* A write error sticks: the file may end inside a block. */
	p = pcapng__new(fd, "x");
	CHECK(p != NULL);
	close(fd);
	CHECK(pcapng__packet(p, 1, iov, 2, NULL) == 0);
	CHECK(pcapng__flush(p) == -EBADF);
	CHECK(pcapng__packet(p, 1, iov, 2, NULL) == -EBADF);
	CHECK(pcapng__flush(p) == -EBADF);
	pcapng__close(p);
	errno = 0;
	CHECK(pcapng__new(-1, "x") == NULL && errno == EBADF);
	UNIT_DONE("pcapng");
}
