/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_BPF_LOAD_H
#define __SSLSNIFF_BPF_LOAD_H

#include "main.h"

struct sslsniff_bpf;

/*
 * Opens, configures from O and loads the program, relocated against
 * BTF_PATH (NULL: the kernel's). With SHARE, the new instance uses SHARE's
 * maps (one ring buffer, one call table, one set of counters) and only its
 * uprobe programs are loaded. NULL and errno on failure, reported.
 */
struct sslsniff_bpf *bpf_load(const struct options *o, const char *btf_path,
			      struct sslsniff_bpf *share);

/*
 * Program instances per OpenSSL layout family, beyond the first one: a
 * container's libssl of another version gets programs relocated against
 * its own layout.
 */
struct layouts;

struct layouts *layouts__new(const struct options *o, struct sslsniff_bpf *first);
void layouts__free(struct layouts *l);

/* The instance for FAMILY, loaded on first use; NULL when btf-db has none. */
struct sslsniff_bpf *layouts__get(struct layouts *l, const char *family);

#endif
