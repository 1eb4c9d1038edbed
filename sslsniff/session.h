/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_CAPTURE_H
#define __SSLSNIFF_CAPTURE_H

#include <signal.h>
#include "options.h"

/* Set by SIGINT/SIGTERM: stop, drain and report. */
extern volatile sig_atomic_t exiting;

#define CAPTURE_MAX_OUTPUTS	2

/* A writer, its options (the file in opts.out) and the file's name for errors. */
struct capture_output {
	const struct output_ops *ops;
	struct output_opts opts;
	const char *name;
};

/*
 * Loads the BPF program, attaches to what OPTS selects, and streams records
 * to every writer of OUTS until `exiting`; with KEYLOG (closed by it), the
 * connections' secrets too. Returns 0 or -errno (reported).
 */
int capture_run(const struct options *opts, const struct capture_output *outs, int nr_outs,
		FILE *keylog);

#endif
