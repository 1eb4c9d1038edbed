/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_RECORD_ALPN_H
#define __SSLSNIFF_RECORD_ALPN_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "sslsniff.h"

/*
 * The ALPN protocol the record's connection negotiated, as its library
 * keeps it (read through CO-RE once per connection, so also on records of
 * a connection sslsniff saw only from the middle): its bytes, not
 * terminated, with their count in *LEN; NULL when none was negotiated or
 * the library's layout is not known. A name longer than the record holds
 * is cut to SSLSNIFF_ALPN_LEN bytes: record_alpn_truncated() says so.
 */
const char *record_alpn(const struct event *ev, size_t *len);

static inline bool record_alpn_truncated(const struct event *ev)
{
	return ev->alpn_len > SSLSNIFF_ALPN_LEN;
}

/* Whether the record's connection negotiated ALPN protocol NAME ("h2"). */
bool record_alpn_is(const struct event *ev, const char *name);

#endif
