/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_JSON_CONN_H
#define __SSLSNIFF_JSON_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/strbuf.h"
#include <linux/types.h>
#include "sslsniff.h"

/*
 * The members of a JSON object that a connection's calls repeat (the
 * process, the function, the socket, the addresses, the TLS parameters),
 * formatted once and reused while the event header's bytes that make them
 * are the same: at 1 KiB calls, formatting them was most of a record's
 * cost. A direct-mapped table of JSON_CONN_SLOTS entries: a connection
 * whose slot another took is formatted again, never shown another's.
 * Memory: the slots and each one's text, a few hundred bytes (the
 * members' own sizes bound it: comm, cipher and ALPN are fixed arrays).
 */
#define JSON_CONN_SLOTS		256

/* Every event field the cached members are made of, nothing else. */
struct json_conn_key {
	uint32_t pid, tid, uid;
	int32_t fd;
	uint16_t family, sport, dport, tls_version, cipher_id;
	uint8_t func, fd_source, alpn_len, with_direction;
	uint8_t saddr[16], daddr[16];
	char comm[SSLSNIFF_COMM_LEN];
	char cipher[SSLSNIFF_CIPHER_LEN];
	char alpn[SSLSNIFF_ALPN_LEN];
};

/* The members in three runs (the caller's own members go between them),
 * each run's members with their leading commas. */
enum json_conn_part {
	JSON_CONN_PROCESS,	/* pid, tid, uid, comm */
	JSON_CONN_FUNCTION,	/* library, function */
	JSON_CONN_SOCKET,	/* fd ... alpn, and direction when asked */
	JSON_CONN__PARTS,
};

struct json_conn_entry {
	struct json_conn_key key;
	struct strbuf text;
	uint32_t end[JSON_CONN__PARTS];	/* each part's end in text */
	bool valid;
};

struct json_conn_cache {
	struct json_conn_entry *slots;	/* JSON_CONN_SLOTS, allocated on first use */
};

/*
 * EV's entry: valid when its members are still those of EV's header (and
 * WITH_DIRECTION), else emptied for the caller to format and mark valid.
 * NULL when memory ran out.
 */
struct json_conn_entry *json_conn_cache__get(struct json_conn_cache *c, const struct event *ev,
					     bool with_direction);
void json_conn_cache__free(struct json_conn_cache *c);

static inline const char *json_conn_part(const struct json_conn_entry *e,
					 enum json_conn_part p, uint32_t *len)
{
	uint32_t start = p ? e->end[p - 1] : 0;

	*len = e->end[p] - start;
	return e->text.buf + start;
}

#endif
