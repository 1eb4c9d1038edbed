/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_HTTP_NAMES_H
#define __SSLSNIFF_HTTP_NAMES_H

#include <stdint.h>
#include "proto/http.h"

/* "1.0", "1.1", "2", or "unknown". */
const char *http_version_name(enum http_version v);

/* "DATA", "HEADERS", ... RFC 9113's names; "UNKNOWN" past them. */
const char *http2_frame_type_name(uint8_t type);

#endif
