// SPDX-License-Identifier: GPL-2.0
/* A record's ALPN protocol, for the protocol stage and the writers. */
#include <string.h>
#include "record/alpn.h"

const char *record_alpn(const struct event *ev, size_t *len)
{
	*len = 0;
	if (!ev || !ev->alpn_len)
		return NULL;
	*len = ev->alpn_len < SSLSNIFF_ALPN_LEN ? ev->alpn_len : SSLSNIFF_ALPN_LEN;
	return ev->alpn;
}

bool record_alpn_is(const struct event *ev, const char *name)
{
	size_t len, n = strlen(name);
	const char *p = record_alpn(ev, &len);

	/* A cut name is compared by its length, never by its prefix. */
	return p && ev->alpn_len == n && len == n && !memcmp(p, name, n);
}
