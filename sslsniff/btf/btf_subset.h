/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_BTF_SUBSET_H
#define __SSLSNIFF_BTF_SUBSET_H

struct btf;

/*
 * The part of the kernel's BTF KBTF that sslsniff's BPF program can
 * relocate against: every struct, union, enum and typedef named like one
 * of the program's own (its CO-RE roots are among them), whole, with the
 * types they embed; pointers to anything else become void pointers, since
 * CO-RE never follows a pointer within one relocation. libbpf looks up
 * every relocation's candidates across the whole target BTF, so the
 * kernel's 5 MB of types would cost each start-up tens of milliseconds.
 * A new BTF, or NULL with errno set.
 */
struct btf *btf_subset_for_program(const struct btf *kbtf);

#endif
