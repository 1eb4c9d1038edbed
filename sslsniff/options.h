/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_MAIN_H
#define __SSLSNIFF_MAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "output/output.h"
#include <linux/types.h>
#include "sslsniff.h"
#include "target/ret_mode.h"
#include "cgroup/cgroup_filter.h"

struct cgroup_layout;

#define MAX_PIDS	64
#define MAX_LIBS	16

struct lib_arg {
	enum tls_library lib;
	const char *path;
};

/* What the command line asked for. */
/* How the reader thread runs beside the programs it traces (--reader-priority). */
enum reader_priority {
	READER_REALTIME,	/* SCHED_FIFO 1, else as READER_HIGH */
	READER_HIGH,		/* nice -20 */
	READER_NORMAL,		/* as started */
};

/* Where -i's packets come from (--wire-source). */
enum wire_source {
	WIRE_SOURCE_AUTO,	/* TC, or libpcap where the kernel refuses TC */
	WIRE_SOURCE_TC,
	WIRE_SOURCE_PCAP,
};

struct options {
	pid_t pids[MAX_PIDS];
	int nr_pids;
	struct lib_arg libs[MAX_LIBS];
	int nr_libs;
	unsigned int lib_mask;		/* 1 << enum tls_library still enabled */
	uint32_t uid;			/* (uint32_t)-1: any */
	const char *comm;
	uint32_t max_bytes;		/* 0: no limit */
	uint32_t ring_size;
	enum reader_priority reader_priority;	/* --reader-priority */
	bool reader_priority_set;		/* ... given */
	const char *format;
	const char *output_path;
	const char *write_path;		/* -w: pcapng, "-" for stdout */
	const char *keylog_path;	/* --keylog FILE */
	bool probe_entry;		/* --probe-entry */
	const char *return_probes_arg;	/* --return-probes MODE, as given */
	enum ret_probes return_probes;	/* ... parsed */
	bool keylog_embed;		/* --keylog-embed: secrets into the -w pcapng */
	const char *capture_iface;	/* --capture-packets IFACE */
	const char *wire_iface;		/* -i IFACE: the plaintext decrypted from its packets */
	enum wire_source wire_source;	/* --wire-source: how -i reads them */
	const char *summary_json;	/* --summary-json FILE */
	const char *kernel_btf;
	const char *detect;		/* --detect FILE */
	const char *btf;		/* --btf FILE: OpenSSL layout forced */
	bool hexdump;
	bool raw;			/* --raw: no protocol stage, the bytes as they are */
	bool http_summary;		/* --http-summary: a line per HTTP exchange */
	bool extra;
	bool latency;
	bool handshake;
	bool stats;
	bool watch;			/* attach to files mapped after start */
	bool no_hold;			/* --no-hold: never stop a new root's first processes */
	bool list_btf;			/* --list-btf */
	const char *drop_user;		/* -Z USER: who to run as after start-up */
	const char *containers[SSLSNIFF_MAX_CGROUPS];	/* --container ID */
	int nr_containers;
	const char *cgroup_paths[SSLSNIFF_MAX_CGROUPS];	/* --cgroup PATH */
	int nr_cgroup_paths;
	const char *host_root;		/* --host-root DIR: the node's files (runtime state) */
	/* Made of those at start-up: */
	const struct cgroup_layout *cgroup_layout;
	struct cgroup_filter cgroup_filter;
};

#endif
