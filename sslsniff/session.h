/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_SESSION_H
#define __SSLSNIFF_SESSION_H

#include <signal.h>
#include "options.h"

/* Set by SIGINT/SIGTERM: stop, drain and report. */
extern volatile sig_atomic_t exiting;

#define SESSION_MAX_OUTPUTS	3

/* A writer, its options (the file in opts.out) and the file's name for errors. */
struct session_output {
	const struct output_ops *ops;
	struct output_opts opts;
	const char *name;
};

struct out_file;

/* What main() hands the session besides the writers. */
struct session_start {
	struct out_file *summary;	/* --summary-json, opened by main(), or NULL */
	/* Once the probes are attached and the packet source is open, before
	 * any writer starts: main() replaces the output files that existed
	 * and drops privileges (-Z) there. 0 or -errno (reported). */
	int (*attached)(void *arg);
	void *arg;
	bool running;			/* set once start-up is over */
};

/*
 * Loads the BPF program, attaches to what OPTS selects, and streams records
 * to every writer of OUTS until `exiting`. Returns 0 or -errno (reported).
 */
int session_run(const struct options *opts, struct session_output *outs, int nr_outs,
		struct session_start *start);

#endif
