/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_JSON_HTTP_H
#define __SSLSNIFF_JSON_HTTP_H

#include "lib/json_writer.h"
#include "proto/http.h"

/* The "http" member of a data record: an array of its items, exchanges aside. */
void json_http_items(struct jsonw *w, const struct http_item *items, uint32_t nr);

/* An exchange's own members (--http-summary's objects). */
void json_http_exchange(struct jsonw *w, const struct http_item *it);

#endif
