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

/*
 * The key log line of one EV_KEYLOG_LINE record into BUF, as the library
 * would write it ("LABEL hex(random) hex(secret)\n", hex in lower case as
 * Go's %x). Returns its length, 0 when it is refused: a part that did not
 * fit the record or could not be read, an empty one, or a label that is
 * not upper-case letters, digits and '_' (nothing but a label may end up
 * in a key log's first field).
 */
size_t secrets_format_line(const struct keylog_line *l, char *buf, size_t size);

#endif
