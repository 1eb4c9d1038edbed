// SPDX-License-Identifier: GPL-2.0
/* -i's packets from TC (bpf/wire_tap.bpf.c): its loading and its ring's records. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "lib/clock.h"
#include "source/tc_packets.h"
#include "wire_tap.h"
#include "wire_tap.skel.h"

/* Not in the uapi headers libbpf 1.1 brings: the kernel's enum bpf_attach_type. */
#define ATTACH_TCX_INGRESS	46
#define ATTACH_TCX_EGRESS	47

#define ARPHRD_ETHER_	1
#define ARPHRD_LOOPBACK_ 772
#define ARPHRD_RAWIP_	519
#define ARPHRD_NONE_	0xfffe

struct tc_packets {
	struct wire_tap_bpf *skel;
	int links[2];
	int64_t real_from_mono;		/* CLOCK_REALTIME - CLOCK_MONOTONIC */
};

/* The interface's ARPHRD_* type (/sys/class/net/IFACE/type), or -errno. */
static int iface_type(const char *iface)
{
	char path[64 + IF_NAMESIZE];
	FILE *f;
	int type = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/type", iface);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%d", &type) != 1)
		type = -EINVAL;
	fclose(f);
	return type;
}

/* How far the IP header is into what TC sees of a packet of TYPE, or -1. */
static int l3_offset_of(int type)
{
	switch (type) {
	case ARPHRD_ETHER_:
	case ARPHRD_LOOPBACK_:
		return 14;
	case ARPHRD_RAWIP_:
	case ARPHRD_NONE_:
		return 0;
	default:
		return -1;
	}
}

static int tap_attach(struct tc_packets *t, int ifindex, bool loopback)
{
	int fd = bpf_link_create(bpf_program__fd(t->skel->progs.wire_tap_ingress), ifindex,
				 ATTACH_TCX_INGRESS, NULL);

	if (fd < 0)
		return fd;
	t->links[0] = fd;
	if (loopback)
		return 0;
	fd = bpf_link_create(bpf_program__fd(t->skel->progs.wire_tap_egress), ifindex,
			     ATTACH_TCX_EGRESS, NULL);
	if (fd < 0)
		return fd;
	t->links[1] = fd;
	return 0;
}

struct tc_packets *tc_packets__open(const char *iface, size_t ring_size, char *why, size_t why_len)
{
	struct tc_packets *t = calloc(1, sizeof(*t));
	int ifindex = if_nametoindex(iface), type = iface_type(iface), l3, err;

	if (!t)
		return NULL;
	t->links[0] = t->links[1] = -1;
	if (!ifindex || type < 0) {
		err = ifindex ? type : -errno;
		snprintf(why, why_len, "%s", strerror(-err));
		goto err;
	}
	l3 = l3_offset_of(type);
	if (l3 < 0) {
		err = -EPROTONOSUPPORT;
		snprintf(why, why_len, "link type %d: TC is read on Ethernet, loopback and IP interfaces",
			 type);
		goto err;
	}
	t->skel = wire_tap_bpf__open();
	if (!t->skel) {
		err = -errno;
		snprintf(why, why_len, "the packet tap: %s", strerror(-err));
		goto err;
	}
	t->skel->rodata->targ_l3_offset = l3;
	t->skel->rodata->targ_wake_bytes = ring_size / 16;
	err = bpf_map__set_max_entries(t->skel->maps.tap_ring, ring_size);
	if (!err)
		err = wire_tap_bpf__load(t->skel);
	if (err) {
		snprintf(why, why_len, "the kernel refused the packet tap: %s", strerror(-err));
		goto err;
	}
	err = tap_attach(t, ifindex, type == ARPHRD_LOOPBACK_);
	if (err) {
		snprintf(why, why_len, "cannot attach to TC: %s", strerror(-err));
		goto err;
	}
	t->real_from_mono = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	return t;
err:
	tc_packets__close(t);
	errno = -err;
	return NULL;
}

void tc_packets__close(struct tc_packets *t)
{
	if (!t)
		return;
	for (int i = 0; i < 2; i++)
		if (t->links[i] >= 0)
			close(t->links[i]);
	wire_tap_bpf__destroy(t->skel);
	free(t);
}

int tc_packets__ring_fd(const struct tc_packets *t)
{
	return bpf_map__fd(t->skel->maps.tap_ring);
}

void tc_packets__reader_asleep(struct tc_packets *t, int asleep)
{
	__atomic_store_n(&t->skel->bss->reader_asleep, asleep,
			 asleep ? __ATOMIC_SEQ_CST : __ATOMIC_RELAXED);
}

bool tc_packets__packet(const struct tc_packets *t, const void *data, size_t size, struct packet *p)
{
	const struct wire_tap_record *r = data;

	if (size < sizeof(*r) || size - sizeof(*r) < r->payload_len ||
	    (r->family != AF_INET && r->family != AF_INET6))
		return false;
	memset(p, 0, sizeof(*p));
	p->ts_ns = r->ts_ns + t->real_from_mono;
	packet_tuple_make(&p->tuple, r->family, r->saddr, r->sport, r->daddr, r->dport);
	p->from = packet_tuple_end(&p->tuple, r->saddr, r->sport);
	p->tcp = true;
	p->tcp_flags = r->tcp_flags;
	p->seq = r->seq;
	p->ack = r->ack;
	p->payload = (const uint8_t *)(r + 1);
	p->payload_len = r->payload_len;
	p->payload_cut = r->payload_cut;
	return true;
}

uint64_t tc_packets__dropped(const struct tc_packets *t)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t lost = 0;
	uint32_t zero = 0;

	if (ncpu <= 0)
		return 0;
	struct wire_tap_stats st[ncpu];

	if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.wire_tap_stats), &zero, st))
		return 0;
	for (int i = 0; i < ncpu; i++)
		lost += st[i].lost_segments;
	return lost;
}
