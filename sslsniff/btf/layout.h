/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_LAYOUT_H
#define __SSLSNIFF_LAYOUT_H

#include "target/attach.h"
#include "target/detect.h"
#include "options.h"

struct sslsniff_bpf;

/*
 * Which library layout each probed file is read with, and the program
 * instances that hold them. The first instance is relocated against the
 * BTF of the system's own OpenSSL, GnuTLS and NSPR (one merged file); a file
 * whose layout is another one (a container's newer OpenSSL) gets an
 * instance of its own, loaded on first use, sharing the first one's maps.
 */
struct layouts;

/*
 * Chooses the system's layouts from btf-db (or --btf), and loads the first
 * program instance. NULL and errno on failure, reported.
 */
struct layouts *layouts__load(const struct options *o);
void layouts__free(struct layouts *l);

struct sslsniff_bpf *layouts__first(const struct layouts *l);

/* The programs for the file detected as D, and whether they read its structs. */
void layouts__progs(struct layouts *l, const struct tls_detect *d, struct attach_progs *p);

/* Says, once capture starts, which BTF each library is read with and why. */
void layouts__report(const struct layouts *l);

#endif
