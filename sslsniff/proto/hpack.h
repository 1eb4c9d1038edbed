/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_HPACK_H
#define __SSLSNIFF_HPACK_H

#include <stddef.h>
#include <stdint.h>
#include "lib/arena.h"
#include "proto/http.h"

/*
 * HPACK (RFC 7541) for a passive reader: one decoding context per direction
 * of a connection. Unlike an endpoint's inflater it never gives up on an
 * index it has no entry for (a table filled before the capture started):
 * such a field is reported with HTTP_HDR_*_UNKNOWN, and entries added later
 * are used as the endpoints use them. An unknown name or value is "" (not
 * NULL: ptr is never NULL), length 0. Every name and value is followed by
 * a NUL.
 */
struct hpack;

/* MAX_TABLE is the table size limit to start with (4096, RFC 7540's default). */
struct hpack *hpack__new(uint32_t max_table);
void hpack__free(struct hpack *t);

/*
 * The limit a SETTINGS_HEADER_TABLE_SIZE of the decoding side allows; the
 * encoder's dynamic table size updates must stay within it.
 */
void hpack__set_limit(struct hpack *t, uint32_t limit);

/*
 * Decodes one complete header block (HEADERS or PUSH_PROMISE fragment with
 * its CONTINUATIONs). Fields are appended to *FIELDS (allocated in ARENA,
 * strings too), *NR_FIELDS set. Returns 0, or -EBADMSG when the block is
 * malformed at some point, or past the bounds hpack.c states (1024 fields,
 * 256 KiB of names and values), or -ENOMEM: the fields before that point
 * are returned, and the table may be out of step from then on (the caller
 * says so).
 */
int hpack__decode(struct hpack *t, const uint8_t *block, size_t len, struct arena *arena,
		  struct http_header **fields, uint32_t *nr_fields);

/* Entries in the dynamic table that we know, and their size (RFC 7541 4.1). */
uint32_t hpack__table_entries(const struct hpack *t);
uint32_t hpack__table_size(const struct hpack *t);

/*
 * Huffman-decodes IN (RFC 7541 5.2, Appendix B) into OUT, which holds at
 * least LEN * 8 / 5 bytes. Returns the length, or -EBADMSG (a bad code, EOS,
 * or padding longer than 7 bits or not all ones).
 */
int hpack_huffman_decode(const uint8_t *in, size_t len, uint8_t *out);

#endif
