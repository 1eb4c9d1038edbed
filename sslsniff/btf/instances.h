/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_INSTANCES_H
#define __SSLSNIFF_INSTANCES_H

#include "options.h"
#include "target/target_file.h"

#define NR_LIBS		(LIB_GO + 1)

struct sslsniff_bpf;

/*
 * The program instances, one per library layout (by the content of its
 * BTF: the same layout from two files is one instance). The first is relocated
 * against the BTF of the system's own OpenSSL, GnuTLS and NSPR at once (one
 * merged file) and owns the maps; a file whose layout is another one (a
 * container's newer OpenSSL) is probed with an instance relocated against
 * its own, sharing the first one's maps. Those of every btf-db entry are
 * loaded in the background once capture runs (instances__preload()), so
 * that a new container's library costs only its attach.
 */
struct instances;

/*
 * Chooses the layouts of SYS[lib] (the system's file of each library, or
 * NULL) and loads the first instance. NULL and errno on failure, reported.
 */
struct instances *instances__load(const struct options *o, struct target_file *const *sys);
/* Stops the preloading, if still at work, and unloads every instance. */
void instances__free(struct instances *in);

struct sslsniff_bpf *instances__first(const struct instances *in);

/*
 * TF->progs, once: the instance of TF's layout (layout_choose()), loaded
 * here if the preloading has not done it yet (waited for if it is at it),
 * or the first instance, not reading TF's structs, when there is none.
 */
void instances__progs(struct instances *in, struct target_file *tf);

/* Says, once capture starts, which BTF each of the system's libraries is read with. */
void instances__report(const struct instances *in);

/*
 * Loads, in a thread of its own, an instance for every btf-db entry not
 * loaded yet; says "N program instances ready ..." when done. 0 or -errno.
 */
int instances__preload(struct instances *in);

#endif
