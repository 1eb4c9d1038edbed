// SPDX-License-Identifier: GPL-2.0
/*
 * The copy floor's loader (bench/run.sh): bench/copy_floor.bpf.c on the
 * places given, its ring read at SCHED_FIFO 1 as sslsniff's reader is, and
 * every record dropped unread. Prints "ready" once attached; at SIGINT or
 * SIGTERM, what it copied and what a full ring cost.
 *
 *   copy_floor RING_BYTES LIB:PLACE:HOW ...
 *
 * PLACE: an offset in LIB (0x...) or a symbol; HOW: "count" (the byte
 * count through a size_t * fourth argument) or "ret" (the return value).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "copy_floor.h"
#include "copy_floor.skel.h"

static volatile sig_atomic_t exiting;

struct totals {
	unsigned long long records, bytes;
};

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct totals *t = ctx;
	const struct copy_rec *r = data;

	(void)size;
	t->records++;
	t->bytes += r->len;
	return 0;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "copy_floor: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* LIB:PLACE:HOW, both probes attached (the links live until exit). */
static void attach_place(struct copy_floor_bpf *skel, char *spec)
{
	char *how = strrchr(spec, ':'), *place;
	LIBBPF_OPTS(bpf_uprobe_opts, uo);
	struct bpf_program *entry;
	unsigned long off = 0;

	if (!how || how == spec)
		die(spec, EINVAL);
	*how++ = '\0';
	place = strrchr(spec, ':');
	if (!place)
		die(spec, EINVAL);
	*place++ = '\0';
	if (!strcmp(how, "count"))
		entry = skel->progs.entry_count;
	else if (!strcmp(how, "ret"))
		entry = skel->progs.entry_ret;
	else
		die(how, EINVAL);
	if (!strncmp(place, "0x", 2))
		off = strtoul(place, NULL, 16);
	else
		uo.func_name = place;
	if (!bpf_program__attach_uprobe_opts(entry, -1, spec, off, &uo))
		die(spec, errno);
	uo.retprobe = true;
	if (!bpf_program__attach_uprobe_opts(skel->progs.call_return, -1, spec, off, &uo))
		die(spec, errno);
}

int main(int argc, char **argv)
{
	struct sched_param sp = { .sched_priority = 1 };
	struct totals t = { 0, 0 };
	struct copy_floor_bpf *skel;
	struct ring_buffer *rb;
	unsigned long ring;
	int err;

	if (argc < 3) {
		fprintf(stderr, "usage: copy_floor RING_BYTES LIB:PLACE:count|ret ...\n");
		return 2;
	}
	ring = strtoul(argv[1], NULL, 0);
	skel = copy_floor_bpf__open();
	if (!skel)
		die("open", errno);
	if (bpf_map__set_max_entries(skel->maps.ring, ring))
		die("ring size", EINVAL);
	skel->rodata->wake_bytes = ring / 16;
	err = copy_floor_bpf__load(skel);
	if (err)
		die("load", err);
	for (int i = 2; i < argc; i++)
		attach_place(skel, argv[i]);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.ring), on_record, &t, NULL);
	if (!rb)
		die("ring", errno);
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		die("SCHED_FIFO", errno);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready\n");
	fflush(stdout);
	while (!exiting) {
		__atomic_store_n(&skel->bss->reader_asleep, 1, __ATOMIC_SEQ_CST);
		err = ring_buffer__poll(rb, 50);
		__atomic_store_n(&skel->bss->reader_asleep, 0, __ATOMIC_RELAXED);
		if (err < 0 && err != -EINTR)
			die("poll", err);
	}
	ring_buffer__consume(rb);
	printf("copied %llu bytes in %llu records, lost %llu bytes to a full ring\n", t.bytes,
	       t.records, (unsigned long long)skel->bss->lost_bytes);
	ring_buffer__free(rb);
	copy_floor_bpf__destroy(skel);
	return 0;
}
