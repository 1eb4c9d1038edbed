// SPDX-License-Identifier: GPL-2.0
/*
 * HPACK decoding (RFC 7541) for a reader that may have come in after the
 * start of the connection: the encoder's dynamic table then holds entries
 * we never saw. They are always its oldest ones, since entries go in at
 * the front; so the entries we hold are the newest of its table, in its
 * order, and index 62 + i is ours while i < what we hold. A reference past
 * them is reported as unknown instead of failing the block, and an entry
 * added with such a name is added all the same (its name unknown), so the
 * indices of the later ones stay right.
 *
 * Bounds: we keep at most HPACK_TABLE_CAP bytes of entries whatever the
 * peer's SETTINGS allow (a larger table loses its oldest entries to us,
 * which then show as unknown); a block yields at most HPACK_MAX_FIELDS
 * fields and HPACK_MAX_OUT bytes of names and values copied out of the
 * table or decoded from literals (each literal at most its length * 8 / 5):
 * past either the block is refused with -EBADMSG, the fields so far kept.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "proto/hpack.h"

#define HPACK_TABLE_CAP		(64u << 10)
#define HPACK_MAX_FIELDS	1024
#define HPACK_MAX_OUT		(256u << 10)
#define HPACK_ENTRY_OVERHEAD	32	/* RFC 7541 4.1 */
#define HPACK_INT_MAX_BYTES	5	/* continuation bytes: 35 bits, more than 2^32 */
#define HPACK_STATIC_LEN	61

/* Appendix A. */
struct hpack_static {
	const char *name, *value;
	uint8_t name_len, value_len;
};

#define S(n, v) { n, v, sizeof(n) - 1, sizeof(v) - 1 }
static const struct hpack_static hpack_static[] = {
	S(":authority", ""), S(":method", "GET"), S(":method", "POST"), S(":path", "/"),
	S(":path", "/index.html"), S(":scheme", "http"), S(":scheme", "https"),
	S(":status", "200"), S(":status", "204"), S(":status", "206"), S(":status", "304"),
	S(":status", "400"), S(":status", "404"), S(":status", "500"), S("accept-charset", ""),
	S("accept-encoding", "gzip, deflate"), S("accept-language", ""), S("accept-ranges", ""),
	S("accept", ""), S("access-control-allow-origin", ""), S("age", ""), S("allow", ""),
	S("authorization", ""), S("cache-control", ""), S("content-disposition", ""),
	S("content-encoding", ""), S("content-language", ""), S("content-length", ""),
	S("content-location", ""), S("content-range", ""), S("content-type", ""),
	S("cookie", ""), S("date", ""), S("etag", ""), S("expect", ""), S("expires", ""),
	S("from", ""), S("host", ""), S("if-match", ""), S("if-modified-since", ""),
	S("if-none-match", ""), S("if-range", ""), S("if-unmodified-since", ""),
	S("last-modified", ""), S("link", ""), S("location", ""), S("max-forwards", ""),
	S("proxy-authenticate", ""), S("proxy-authorization", ""), S("range", ""),
	S("referer", ""), S("refresh", ""), S("retry-after", ""), S("server", ""),
	S("set-cookie", ""), S("strict-transport-security", ""), S("transfer-encoding", ""),
	S("user-agent", ""), S("vary", ""), S("via", ""), S("www-authenticate", ""),
};
#undef S
_Static_assert(sizeof(hpack_static) / sizeof(hpack_static[0]) == HPACK_STATIC_LEN,
	       "RFC 7541 Appendix A has 61 entries");

struct hpack_entry {
	uint32_t name_len, value_len;
	uint32_t flags;		/* HTTP_HDR_NAME_UNKNOWN: named by an entry we never saw */
	char data[];		/* name, NUL, value, NUL */
};

struct hpack {
	struct hpack_entry **ring;	/* the entries, newest at ring[first] */
	uint32_t ring_cap;		/* a power of two (or 0) */
	uint32_t first;
	uint32_t count;
	uint32_t size;			/* RFC 7541 4.1, of the entries we hold */
	uint32_t max;			/* the table's maximum size, as the last update set it */
	uint32_t limit;			/* what the decoding side's SETTINGS allow */
};

/* One block's decoding. */
struct hpack_block {
	struct hpack *t;
	const uint8_t *p, *end;
	struct arena *arena;
	struct http_header *fields;
	uint32_t nr, cap;
	size_t out;			/* bytes of names and values copied or decoded */
};

struct hpack *hpack__new(uint32_t max_table)
{
	struct hpack *t = calloc(1, sizeof(*t));

	if (t)
		t->max = t->limit = max_table;
	return t;
}

static uint32_t hpack_entry_size(const struct hpack_entry *e)
{
	return e->name_len + e->value_len + HPACK_ENTRY_OVERHEAD;
}

static struct hpack_entry *hpack_entry(const struct hpack *t, uint32_t i)
{
	return t->ring[(t->first + i) & (t->ring_cap - 1)];
}

static void hpack_evict_oldest(struct hpack *t)
{
	struct hpack_entry *e = hpack_entry(t, t->count - 1);

	t->size -= hpack_entry_size(e);
	t->count--;
	free(e);
}

/* The bytes the entries may take: the encoder's maximum, within our cap. */
static uint32_t hpack_capacity(const struct hpack *t)
{
	return t->max < HPACK_TABLE_CAP ? t->max : HPACK_TABLE_CAP;
}

/*
 * Evicts until the entries fit SIZE. Begun mid-connection, the encoder's
 * table also holds the older entries we never saw, which it evicts first;
 * it evicts one of ours only once the entries it added since we started
 * (ours) no longer fit by themselves, that is when our own total exceeds
 * the maximum: exactly what this does. (An entry named by one we never saw
 * counts its name as empty here, so we may keep an entry a little longer
 * than the encoder does: at the end, where it refers to it no more.)
 */
static void hpack_evict_to(struct hpack *t, uint64_t size)
{
	while (t->count && t->size > size)
		hpack_evict_oldest(t);
}

void hpack__free(struct hpack *t)
{
	if (!t)
		return;
	hpack_evict_to(t, 0);
	free(t->ring);
	free(t);
}

void hpack__set_limit(struct hpack *t, uint32_t limit)
{
	/*
	 * The table keeps its size until the encoder's update, which must
	 * come first in its next block; blocks it sent before it saw the
	 * SETTINGS still use the old size.
	 */
	t->limit = limit;
}

uint32_t hpack__table_entries(const struct hpack *t)
{
	return t->count;
}

uint32_t hpack__table_size(const struct hpack *t)
{
	return t->size;
}

static int hpack_ring_grow(struct hpack *t)
{
	uint32_t cap = t->ring_cap ? t->ring_cap * 2 : 16;
	struct hpack_entry **ring = malloc(cap * sizeof(*ring));

	if (!ring)
		return -ENOMEM;
	for (uint32_t i = 0; i < t->count; i++)
		ring[i] = hpack_entry(t, i);
	free(t->ring);
	t->ring = ring;
	t->ring_cap = cap;
	t->first = 0;
	return 0;
}

/* RFC 7541 4.4. NAME may be an entry's own, which the evictions may free. */
static int hpack_insert(struct hpack *t, const struct http_str *name,
			const struct http_str *value, uint32_t flags)
{
	uint64_t size = (uint64_t)name->len + value->len + HPACK_ENTRY_OVERHEAD;
	struct hpack_entry *e;

	if (size > hpack_capacity(t)) {
		/* Not an error: the table empties. */
		hpack_evict_to(t, 0);
		return 0;
	}
	e = malloc(sizeof(*e) + name->len + value->len + 2);
	if (!e)
		return -ENOMEM;
	e->name_len = name->len;
	e->value_len = value->len;
	e->flags = flags;
	memcpy(e->data, name->ptr, name->len);
	e->data[name->len] = '\0';
	memcpy(e->data + name->len + 1, value->ptr, value->len);
	e->data[name->len + 1 + value->len] = '\0';
	hpack_evict_to(t, hpack_capacity(t) - size);
	if (t->count == t->ring_cap && hpack_ring_grow(t)) {
		free(e);
		return -ENOMEM;
	}
	t->first = (t->first - 1) & (t->ring_cap - 1);
	t->ring[t->first] = e;
	t->count++;
	t->size += size;
	return 0;
}

/* RFC 7541 5.1: an integer in the low PREFIX bits of the next byte and the bytes after. */
static int hpack_int(struct hpack_block *b, unsigned int prefix, uint32_t *v)
{
	uint32_t mask = (1u << prefix) - 1;
	const uint8_t *p = b->p;
	uint64_t x;

	if (p >= b->end)
		return -EBADMSG;
	x = *p++ & mask;
	if (x == mask) {
		for (unsigned int i = 0;; i++) {
			if (p >= b->end || i == HPACK_INT_MAX_BYTES)
				return -EBADMSG;
			x += (uint64_t)(*p & 0x7f) << (7 * i);
			if (!(*p++ & 0x80))
				break;
		}
		if (x > UINT32_MAX)
			return -EBADMSG;
	}
	b->p = p;
	*v = x;
	return 0;
}

/* N bytes of the block's output budget. */
static int hpack_spend(struct hpack_block *b, size_t n)
{
	if (n > HPACK_MAX_OUT - b->out)
		return -EBADMSG;
	b->out += n;
	return 0;
}

static int hpack_copy(struct hpack_block *b, const char *s, uint32_t len, struct http_str *out)
{
	char *p;

	if (hpack_spend(b, len))
		return -EBADMSG;
	p = arena_strndup(b->arena, s, len);
	if (!p)
		return -ENOMEM;
	out->ptr = p;
	out->len = len;
	return 0;
}

/* RFC 7541 5.2: a string literal, into the arena. */
static int hpack_string(struct hpack_block *b, struct http_str *s)
{
	bool huffman;
	uint32_t len;
	uint8_t *p;
	int n;

	if (b->p >= b->end)
		return -EBADMSG;
	huffman = *b->p & 0x80;
	if (hpack_int(b, 7, &len) || len > (size_t)(b->end - b->p))
		return -EBADMSG;
	if (!huffman) {
		n = hpack_copy(b, (const char *)b->p, len, s);
		b->p += len;
		return n;
	}
	/* At least 5 bits a symbol. */
	if (hpack_spend(b, (size_t)len * 8 / 5))
		return -EBADMSG;
	p = arena_alloc(b->arena, (size_t)len * 8 / 5 + 1);
	if (!p)
		return -ENOMEM;
	n = hpack_huffman_decode(b->p, len, p);
	if (n < 0)
		return n;
	p[n] = '\0';
	b->p += len;
	s->ptr = (const char *)p;
	s->len = n;
	return 0;
}

/*
 * The field INDEX refers to (RFC 7541 2.3.3): the value too when VALUE is
 * not NULL. Dynamic entries are copied out, as later ones may evict them
 * before the caller reads the fields; one we never saw gives "" with the
 * HTTP_HDR_*_UNKNOWN flags.
 */
static int hpack_ref(struct hpack_block *b, uint32_t index, struct http_str *name,
		     struct http_str *value, uint32_t *flags)
{
	const struct hpack_entry *e;
	int err;

	if (!index)
		return -EBADMSG;
	if (index <= HPACK_STATIC_LEN) {
		const struct hpack_static *s = &hpack_static[index - 1];

		*name = (struct http_str){ s->name, s->name_len };
		if (value)
			*value = (struct http_str){ s->value, s->value_len };
		*flags = 0;
		return 0;
	}
	index -= HPACK_STATIC_LEN + 1;
	if (index >= b->t->count) {
		*name = (struct http_str){ "", 0 };
		if (value)
			*value = (struct http_str){ "", 0 };
		*flags = HTTP_HDR_NAME_UNKNOWN | (value ? HTTP_HDR_VALUE_UNKNOWN : 0);
		return 0;
	}
	e = hpack_entry(b->t, index);
	*flags = e->flags;
	if (e->flags & HTTP_HDR_NAME_UNKNOWN)
		*name = (struct http_str){ "", 0 };
	else if ((err = hpack_copy(b, e->data, e->name_len, name)))
		return err;
	if (value)
		return hpack_copy(b, e->data + e->name_len + 1, e->value_len, value);
	return 0;
}

static int hpack_append(struct hpack_block *b, const struct http_str *name,
			const struct http_str *value, uint32_t flags)
{
	if (b->nr == b->cap) {
		uint32_t cap = b->cap ? b->cap * 2 : 16;
		struct http_header *fields;

		if (b->nr == HPACK_MAX_FIELDS)
			return -EBADMSG;
		if (cap > HPACK_MAX_FIELDS)
			cap = HPACK_MAX_FIELDS;
		fields = arena_alloc(b->arena, cap * sizeof(*fields));
		if (!fields)
			return -ENOMEM;
		if (b->nr)
			memcpy(fields, b->fields, b->nr * sizeof(*fields));
		b->fields = fields;
		b->cap = cap;
	}
	b->fields[b->nr++] = (struct http_header){ *name, *value, flags };
	return 0;
}

/* RFC 7541 6.1. */
static int hpack_indexed(struct hpack_block *b)
{
	struct http_str name, value;
	uint32_t index, flags;
	int err;

	if ((err = hpack_int(b, 7, &index)) || (err = hpack_ref(b, index, &name, &value, &flags)))
		return err;
	return hpack_append(b, &name, &value, flags);
}

/* RFC 7541 6.2: with incremental indexing (6-bit prefix) or without (4-bit, never indexed too). */
static int hpack_literal(struct hpack_block *b, unsigned int prefix, bool add)
{
	struct http_str name, value;
	uint32_t index, flags = 0;
	int err;

	if ((err = hpack_int(b, prefix, &index)))
		return err;
	if (index)
		err = hpack_ref(b, index, &name, NULL, &flags);
	else
		err = hpack_string(b, &name);
	if (err || (err = hpack_string(b, &value)))
		return err;
	if (add && (err = hpack_insert(b->t, &name, &value, flags)))
		return err;
	return hpack_append(b, &name, &value, flags);
}

/* RFC 7541 6.3. */
static int hpack_size_update(struct hpack_block *b)
{
	uint32_t max;
	int err;

	/* Only before the block's first field. */
	if (b->nr)
		return -EBADMSG;
	if ((err = hpack_int(b, 5, &max)))
		return err;
	if (max > b->t->limit)
		return -EBADMSG;
	b->t->max = max;
	hpack_evict_to(b->t, hpack_capacity(b->t));
	return 0;
}

int hpack__decode(struct hpack *t, const uint8_t *block, size_t len, struct arena *arena,
		  struct http_header **fields, uint32_t *nr_fields)
{
	/* An empty block may come as NULL: NULL + 0 is undefined in C. */
	struct hpack_block b = { .t = t, .p = block, .end = len ? block + len : block,
				 .arena = arena };
	int err = 0;

	while (!err && b.p < b.end) {
		uint8_t c = *b.p;

		if (c & 0x80)
			err = hpack_indexed(&b);
		else if (c & 0x40)
			err = hpack_literal(&b, 6, true);
		else if (c & 0x20)
			err = hpack_size_update(&b);
		else
			err = hpack_literal(&b, 4, false);
	}
	*fields = b.fields;
	*nr_fields = b.nr;
	return err;
}
