/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_TEXT_HTTP_H
#define __SSLSNIFF_TEXT_HTTP_H

#include <stdbool.h>
#include "lib/strbuf.h"
#include "proto/http.h"

/*
 * A record's HTTP items as readable lines, curl -v's way: '>' for what the
 * client sent, '<' for the server, whichever end is traced. Exchanges are
 * left to --http-summary.
 */
void text_http_items(struct strbuf *sb, const struct http_item *items, uint32_t nr,
		     bool hexdump, bool escape);

#endif
