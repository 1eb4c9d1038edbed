// SPDX-License-Identifier: GPL-2.0
/*
 * Go's type descriptors (target/go_types.c) in a region built here as Go's
 * linker lays it out (abi.Type, names, 1.27's itabs): the name with and
 * without tflagExtraStar, the pointer kind, the typelinks and itab walks,
 * and every bound (a name, a varint, a descriptor, an itab, an interface's
 * method count) refused rather than read past.
 */
#include <errno.h>
#include "unit.h"
#include "target/go_types.h"

#define BASE	0x500000ULL
#define N	1024

static uint8_t d[N];
static const struct go_types t = { .d = d, .n = N, .base = BASE };

static void put64(uint64_t off, uint64_t v)
{
	memcpy(d + off, &v, 8);
}

/* A name at OFF: flags, a one-byte varint length, the bytes. */
static void name_at(uint64_t off, const char *s)
{
	d[off] = 0;
	d[off + 1] = strlen(s);
	memcpy(d + off + 2, s, strlen(s));
}

/* A 48-byte descriptor at OFF: kind, tflag, str. */
static void type_at(uint64_t off, unsigned int kind, unsigned int tflag, int32_t str)
{
	memset(d + off, 0, 48);
	d[off + 20] = tflag;
	d[off + 23] = kind;
	memcpy(d + off + 40, &str, 4);
}

/* An itab at OFF: inter, type (offsets), fun[0]. */
static void itab_at(uint64_t off, uint64_t inter, uint64_t type, uint64_t fun0)
{
	put64(off, BASE + inter);
	put64(off + 8, BASE + type);
	put64(off + 16, 0);
	put64(off + 24, fun0);
}

static void check_names(void)
{
	unsigned int kind;
	const char *s;
	size_t len;

	CHECK(!go_types_name(&t, 8, &s, &len, &kind) && kind == 22 && len == 12 &&
	      !memcmp(s, "*net.TCPConn", 12));
	/* net.TCPConn shares *net.TCPConn's name with an extra star. */
	CHECK(!go_types_name(&t, 56, &s, &len, &kind) && kind == 25 && len == 11 &&
	      !memcmp(s, "net.TCPConn", 11));
	CHECK(go_types_is_ptr(&t, 8, "*net.TCPConn"));
	CHECK(!go_types_is_ptr(&t, 56, "*net.TCPConn") && !go_types_is_ptr(&t, 56, "net.TCPConn"));
	CHECK(!go_types_is_ptr(&t, 104, "*net.TCPConn") && go_types_is_ptr(&t, 104, "*net.TCPConnX"));
	/* The kind's flag bits (KindDirectIface, 1 << 5) are not the kind. */
	type_at(152, 22 | 0x20, 0, 800);
	CHECK(go_types_is_ptr(&t, 152, "*net.TCPConn"));
	/* A descriptor past the end, a name past the end, a zero nameOff. */
	CHECK(go_types_name(&t, N - 47, &s, &len, &kind) == -EINVAL);
	CHECK(go_types_name(&t, UINT64_MAX - 8, &s, &len, &kind) == -EINVAL);
	type_at(200, 22, 0, N - 5);
	name_at(N - 5, "");
	d[N - 4] = 4;
	CHECK(go_types_name(&t, 200, &s, &len, &kind) == -EINVAL);
	d[N - 4] = 3;
	CHECK(!go_types_name(&t, 200, &s, &len, &kind) && len == 3 && s == (char *)d + N - 3);
	type_at(248, 22, 0, 0);
	CHECK(go_types_name(&t, 248, &s, &len, &kind) == -EINVAL);
	type_at(248, 22, 0, -8);
	CHECK(go_types_name(&t, 248, &s, &len, &kind) == -EINVAL);
	type_at(248, 22, 0, N);
	CHECK(go_types_name(&t, 248, &s, &len, &kind) == -EINVAL);
	/* A varint that never ends, one longer than 5 bytes. */
	type_at(248, 22, 0, 900);
	memset(d + 900, 0x80, N - 900);
	CHECK(go_types_name(&t, 248, &s, &len, &kind) == -EINVAL);
	memset(d + 900, 0, N - 900);
	/* A two-byte varint: 130 bytes would pass the end. */
	d[901] = 0x82;
	d[902] = 0x01;
	CHECK(go_types_name(&t, 248, &s, &len, &kind) == -EINVAL);
	/* An extra star on an empty name: nothing dropped. */
	type_at(248, 22, 2, 940);
	name_at(940, "");
	CHECK(!go_types_name(&t, 248, &s, &len, &kind) && len == 0);
}

static void check_typelinks(void)
{
	const int32_t links[] = { 56, -8, 0, N, 104, 8 }, none[] = { 56, 104, -1, N + 8 };
	uint64_t off = 0;

	CHECK(!go_types_find_typelink(&t, links, 6, "*net.TCPConn", &off) && off == 8);
	CHECK(go_types_find_typelink(&t, none, 4, "*net.TCPConn", &off) == -ENOENT);
	CHECK(go_types_find_typelink(&t, links, 0, "*net.TCPConn", &off) == -ENOENT);
}

static void check_itabs(void)
{
	uint64_t off = 0;

	/* An interface type of 2 methods at 400: Type, PkgPath, Methods. */
	type_at(400, 20, 0, 800);
	put64(448, 0);
	put64(456, BASE + 600);
	put64(464, 2);
	/* 2-method itabs (40 bytes), a fun[0] = 0 one (32), then the one. */
	itab_at(480, 400, 56, 1);
	itab_at(520, 400, 104, 0);
	itab_at(552, 400, 8, 1);
	CHECK(!go_types_find_itab(&t, 480, 112, "*net.TCPConn", &off) && off == 8);
	/* The region ends before the one: not read. */
	CHECK(go_types_find_itab(&t, 480, 72, "*net.TCPConn", &off) == -ENOENT);
	CHECK(go_types_find_itab(&t, 480, N, "*net.TCPConn", &off) == -ENOENT);
	CHECK(go_types_find_itab(&t, UINT64_MAX - 8, 16, "*net.TCPConn", &off) == -ENOENT);
	/* A method count past the region, none, an inter outside it. */
	put64(464, 1ULL << 60);
	CHECK(go_types_find_itab(&t, 480, 112, "*net.TCPConn", &off) == -ENOENT);
	put64(464, 0);
	CHECK(go_types_find_itab(&t, 480, 112, "*net.TCPConn", &off) == -ENOENT);
	put64(464, 2);
	put64(480, BASE - 8);
	CHECK(go_types_find_itab(&t, 480, 112, "*net.TCPConn", &off) == -ENOENT);
	put64(480, BASE + N - 8);
	CHECK(go_types_find_itab(&t, 480, 112, "*net.TCPConn", &off) == -ENOENT);
}

int main(void)
{
	type_at(8, 22, 0, 800);
	type_at(56, 25, 2, 800);
	type_at(104, 22, 0, 820);
	name_at(800, "*net.TCPConn");
	name_at(820, "*net.TCPConnX");
	check_names();
	check_typelinks();
	check_itabs();
	return unit_failures ? 1 : 0;
}
