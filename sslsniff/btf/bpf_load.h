/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_BPF_LOAD_H
#define __SSLSNIFF_BPF_LOAD_H

#include "options.h"

struct sslsniff_bpf;

/*
 * Opens, configures from O and loads the program, relocated against
 * BTF_PATH (NULL: the kernel's). With SHARE, the new instance uses SHARE's
 * maps (one ring buffer, one call table, one set of counters) and only its
 * uprobe programs are loaded. NULL and errno on failure, reported.
 */
struct sslsniff_bpf *bpf_load(const struct options *o, const char *btf_path,
			      struct sslsniff_bpf *share);

#endif
