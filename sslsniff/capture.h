/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_CAPTURE_H
#define __SSLSNIFF_CAPTURE_H

#include <signal.h>
#include "main.h"

/* Set by SIGINT/SIGTERM: stop, drain and report. */
extern volatile sig_atomic_t exiting;

/*
 * Loads the BPF program, attaches to what OPTS selects, and streams records
 * to the writer OPS until `exiting`. Returns 0 or -errno (reported).
 */
int capture_run(const struct options *opts, const struct output_ops *ops,
		const struct output_opts *oopts);

#endif
