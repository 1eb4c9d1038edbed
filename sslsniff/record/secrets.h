/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_SECRETS_H
#define __SSLSNIFF_SECRETS_H

#include <stddef.h>
#include <linux/types.h>
#include "sslsniff.h"

#define SECRETS_LINES_MAX	2048

/*
 * The key log lines of one EV_SECRETS record into BUF: CLIENT_RANDOM for
 * TLS 1.2 and earlier, the five TLS 1.3 secrets otherwise (derived as the
 * library derives them). Returns the length, 0 when the record holds
 * nothing usable (no session yet, a hash it cannot tell).
 */
size_t secrets_format(const struct event *ev, const struct tls_secrets *s, char *buf,
		      size_t size);

#endif
