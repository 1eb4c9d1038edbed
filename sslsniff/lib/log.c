// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <bpf/libbpf.h>
#include "lib/log.h"

bool log_verbose;

/* One line at a time: the layouts' loader thread logs beside the main one. */
static void log_vprint(const char *prefix, const char *fmt, va_list ap)
{
	flockfile(stderr);
	fprintf(stderr, "sslsniff: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint("error: ", fmt, ap);
	va_end(ap);
}

void p_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint("warning: ", fmt, ap);
	va_end(ap);
}

void p_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

void p_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vprint("", fmt, ap);
	va_end(ap);
}

int log_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !log_verbose)
		return 0;
	/* libbpf's own warnings are detail; our callers report the failure
	 * in one line, so show libbpf's only with -v. */
	if (level == LIBBPF_WARN && !log_verbose)
		return 0;
	return vfprintf(stderr, fmt, args);
}
