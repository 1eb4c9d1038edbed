/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_LOG_H
#define __SSLSNIFF_LOG_H

#include <stdarg.h>
#include <stdbool.h>

extern bool log_verbose;

/* Diagnostics on stderr, prefixed "sslsniff: ". p_debug only with -v. */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void p_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * libbpf's print hook: warnings always, debug output only with -v. Declared
 * where libbpf.h is in scope: libpcap's header (wire.c) defines a struct
 * bpf_insn of its own that the kernel's bpf.h would clash with.
 */
#ifdef __LIBBPF_LIBBPF_H
int log_libbpf(enum libbpf_print_level level, const char *fmt, va_list args);
#endif

#endif
