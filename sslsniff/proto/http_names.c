// SPDX-License-Identifier: GPL-2.0
#include "proto/http_names.h"

const char *http2_frame_type_name(uint8_t type)
{
	static const char *const names[] = {
		"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
		"PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "UNKNOWN";
}

const char *http_version_name(enum http_version v)
{
	switch (v) {
	case HTTP_V10:
		return "1.0";
	case HTTP_V11:
		return "1.1";
	case HTTP_V2:
		return "2";
	default:
		return "unknown";
	}
}
