// SPDX-License-Identifier: GPL-2.0
/*
 * DWARF to BTF at start-up, so that a library that carries its debug info
 * (or has a debug file installed) needs no btf-db entry. Only what CO-RE
 * needs is encoded: the root structs, complete, and everything their layout
 * depends on. See docs/btf-db.md, "Generated from DWARF".
 *
 * The DWARF may come from an untrusted container: every reference is
 * resolved through libdw's bounds-checked accessors, recursion is bounded,
 * sizes are checked against what BTF can hold, and any surprise is an
 * error, never a guess.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btf/core_btf.h"
#include "btf/dwarf_btf.h"
#include "lib/fs_open.h"
#include "lib/log.h"

/* Types nest by value far less deeply in real code; deeper is a loop. */
#define DWB_MAX_DEPTH	128
#define DWB_MAX_DIMS	32

/* A type DIE is encoded once per mode: behind a pointer, a struct that is
 * not a root becomes a FWD, and typedefs and qualifiers on the way to it
 * follow suit. */
enum dwb_mode { MODE_FULL, MODE_POINTEE };

/*
 * Open addressing from a non-zero 64-bit key to a BTF id. Several entries
 * may share a key (hashes of names): idmap_next() walks them all and the
 * caller tells them apart.
 */
struct idmap {
	struct idmap_slot {
		uint64_t key;
		uint32_t val;
	} *slots;
	size_t cap, len;
};

static size_t idmap_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static bool idmap_next(const struct idmap *m, uint64_t key, size_t *step, uint32_t *val)
{
	size_t mask = m->cap - 1, h = idmap_hash(key);

	for (; m->cap && *step < m->cap; (*step)++) {
		const struct idmap_slot *s = &m->slots[(h + *step) & mask];

		if (!s->key)
			return false;
		if (s->key == key) {
			*val = s->val;
			(*step)++;
			return true;
		}
	}
	return false;
}

static bool idmap_get(const struct idmap *m, uint64_t key, uint32_t *val)
{
	size_t step = 0;

	return idmap_next(m, key, &step, val);
}

static void idmap_insert(struct idmap *m, uint64_t key, uint32_t val)
{
	size_t mask = m->cap - 1, i = idmap_hash(key) & mask;

	while (m->slots[i].key)
		i = (i + 1) & mask;
	m->slots[i].key = key;
	m->slots[i].val = val;
	m->len++;
}

static int idmap_put(struct idmap *m, uint64_t key, uint32_t val)
{
	if ((m->len + 1) * 2 > m->cap) {
		struct idmap old = *m;
		size_t cap = old.cap ? old.cap * 2 : 256;

		m->slots = calloc(cap, sizeof(*m->slots));
		if (!m->slots) {
			*m = old;
			return -ENOMEM;
		}
		m->cap = cap;
		m->len = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.slots[i].key)
				idmap_insert(m, old.slots[i].key, old.slots[i].val);
		free(old.slots);
	}
	idmap_insert(m, key, val);
	return 0;
}

static uint64_t name_key(int kind, uint64_t size, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)kind << 56) ^ size;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h | 1;	/* 0 marks an empty slot */
}

/* A pointer whose target is encoded once everything else is: pointers are
 * how C types refer to themselves, so deferring them breaks every cycle. */
struct pending_ptr {
	uint32_t ptr_id;
	Dwarf_Die target;
};

struct dwarf_btf {
	struct btf *btf;
	const char *path;
	const char *const *roots;
	size_t nroots, nfound;
	Dwarf_Die *root_dies;	/* struct or union definitions */
	bool *found;
	Dwarf_Die *tdef_dies;	/* else a typedef of that name (GnuTLS's
				 * typedefs of anonymous structs) */
	bool *tfound;
	struct idmap dies;	/* DIE address and mode -> id */
	struct idmap names;	/* kind, size, name -> complete struct, union or FWD */
	struct idmap units;	/* imported (dwz) units already searched for roots */
	struct pending_ptr *pending;
	size_t npending, cap_pending;
	int index_type;		/* array index type, 0 until needed */
	int byte_type;		/* element of opaque byte arrays, 0 until needed */
};

struct member {
	const char *name;
	int type;
	uint64_t bit_off;
	uint32_t bit_size;
};

static int enc_die(struct dwarf_btf *d, Dwarf_Die *die, enum dwb_mode mode, int depth);

/* The key of a DIE: its address in the mapped section is unique across the
 * main file and a dwz alternate file, which DIE offsets are not. */
static uint64_t die_key(const Dwarf_Die *die, enum dwb_mode mode)
{
	return ((uint64_t)(uintptr_t)die->addr << 1) | mode;
}

/* Whether DIE comes from Go's compiler (whose type names are Go's). */
static bool die_is_go(Dwarf_Die *die)
{
	Dwarf_Die cu;

	return dwarf_diecu(die, &cu, NULL, NULL) && dwarf_srclang(&cu) == DW_LANG_Go;
}

static bool go_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

int dwarf_btf_go_name(const char *go, char *out, size_t size)
{
	const char *slash = strrchr(go, '/'), *dot = strchr(slash ? slash : go, '.');
	size_t n = 0;

	/* A package path ('/', '.' and '-' allowed), its last element's first
	 * '.', an identifier; or a plain identifier (string, uint16, error). */
	for (const char *p = go; *p; p++) {
		bool in_pkg = dot && p < dot;

		if (!go_ident_char(*p) && p != dot &&
		    !(in_pkg && (*p == '/' || *p == '.' || *p == '-')))
			return -EINVAL;
	}
	if (!*go || (dot && (dot == go || !dot[1])))
		return -EINVAL;
	if (3 + strlen(go) + (dot ? 1 : 0) >= size)
		return -ENAMETOOLONG;
	memcpy(out, "go_", 3);
	n = 3;
	for (const char *p = go; *p; p++) {
		if (p == dot) {
			out[n++] = '_';
			out[n++] = '_';
		} else {
			out[n++] = go_ident_char(*p) ? *p : '_';
		}
	}
	out[n] = '\0';
	return 0;
}

/*
 * The BTF name of DIE: its own, but for Go's types a C identifier the BPF
 * side can declare (dwarf_btf_go_name(), made in BUF); a Go type literal's
 * name ("[]uint8", "func(string) error") is kept as Go spells it: nothing
 * names it from C, and libbpf takes any string.
 */
static const char *btf_name(Dwarf_Die *die, char buf[DWARF_BTF_NAME_MAX])
{
	const char *name = dwarf_diename(die);

	if (!name || !*name || !die_is_go(die) || dwarf_btf_go_name(name, buf, DWARF_BTF_NAME_MAX))
		return name;
	return buf;
}

static bool is_declaration(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	bool flag = false;

	return dwarf_attr(die, DW_AT_declaration, &a) && !dwarf_formflag(&a, &flag) && flag;
}

static bool is_composite_tag(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_class_type ||
	       tag == DW_TAG_union_type;
}

static bool is_constant_form(unsigned int form)
{
	switch (form) {
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
	case DW_FORM_udata:
	case DW_FORM_sdata:
	case DW_FORM_implicit_const:
		return true;
	}
	return false;
}

/*
 * A constant attribute as a signed value. DW_FORM_dataN is taken unsigned,
 * as GCC means it (it writes negative values as sdata) and pahole reads it.
 * Returns 0, 1 when absent or not a constant (a DWARF expression), or -EPROTO.
 */
static int attr_const(Dwarf_Die *die, unsigned int name, int64_t *v, bool *neg)
{
	Dwarf_Attribute a;
	Dwarf_Sword s;
	Dwarf_Word u;

	if (!dwarf_attr(die, name, &a) || !is_constant_form(dwarf_whatform(&a)))
		return 1;
	*neg = false;
	if (dwarf_whatform(&a) == DW_FORM_sdata || dwarf_whatform(&a) == DW_FORM_implicit_const) {
		if (dwarf_formsdata(&a, &s))
			return -EPROTO;
		*v = s;
		*neg = s < 0;
		return 0;
	}
	if (dwarf_formudata(&a, &u))
		return -EPROTO;
	*v = (int64_t)u;
	return 0;
}

/* An unsigned size or offset attribute; absent is 1, negative -EPROTO. */
static int attr_size(Dwarf_Die *die, unsigned int name, uint64_t *v)
{
	int64_t s;
	bool neg;
	int err = attr_const(die, name, &s, &neg);

	if (err)
		return err;
	if (neg)
		return -EPROTO;
	*v = s;
	return 0;
}

static int index_type(struct dwarf_btf *d)
{
	/* pahole's name: an int that only serves as BTF arrays' index type. */
	if (!d->index_type)
		d->index_type = btf__add_int(d->btf, "__ARRAY_SIZE_TYPE__", 4, 0);
	return d->index_type;
}

/* SIZE bytes with no known structure (complex numbers, odd sizes). */
static int enc_opaque(struct dwarf_btf *d, uint64_t size)
{
	int idx = index_type(d);

	if (idx < 0)
		return idx;
	if (size > UINT32_MAX)
		return -E2BIG;
	if (!d->byte_type)
		d->byte_type = btf__find_by_name_kind(d->btf, "unsigned char", BTF_KIND_INT);
	if (d->byte_type <= 0)
		d->byte_type = btf__add_int(d->btf, "unsigned char", 1, 0);
	if (d->byte_type < 0)
		return d->byte_type;
	return btf__add_array(d->btf, idx, d->byte_type, size);
}

static int enc_int(struct dwarf_btf *d, const char *name, uint64_t size, int encoding)
{
	if (size == 1 || size == 2 || size == 4 || size == 8 || size == 16)
		return btf__add_int(d->btf, name, size, encoding);
	return enc_opaque(d, size);
}

static int enc_base(struct dwarf_btf *d, Dwarf_Die *die)
{
	char buf[DWARF_BTF_NAME_MAX];
	const char *name = btf_name(die, buf);
	uint64_t size, enc = 0;

	if (attr_size(die, DW_AT_byte_size, &size) || !size)
		return -EPROTO;
	if (!name || !*name)
		name = "__unnamed_base";
	if (attr_size(die, DW_AT_encoding, &enc) < 0)
		return -EPROTO;
	switch (enc) {
	case DW_ATE_float:
		if (size == 2 || size == 4 || size == 8 || size == 12 || size == 16)
			return btf__add_float(d->btf, name, size);
		break;
	case DW_ATE_boolean:
		return enc_int(d, name, size, BTF_INT_BOOL);
	case DW_ATE_signed:
	case DW_ATE_signed_char:
		return enc_int(d, name, size, BTF_INT_SIGNED);
	case DW_ATE_unsigned:
	case DW_ATE_unsigned_char:
	case DW_ATE_UTF:
		return enc_int(d, name, size, 0);
	}
	return enc_opaque(d, size);
}

/* The type DW_AT_type of DIE names; none is void. */
static int enc_ref(struct dwarf_btf *d, Dwarf_Die *die, enum dwb_mode mode, int depth)
{
	Dwarf_Attribute a;
	Dwarf_Die t;

	if (!dwarf_attr(die, DW_AT_type, &a))
		return 0;
	if (!dwarf_formref_die(&a, &t))
		return -EPROTO;
	return enc_die(d, &t, mode, depth + 1);
}

static int enc_ptr(struct dwarf_btf *d, Dwarf_Die *die)
{
	struct pending_ptr *p;
	Dwarf_Attribute a;
	Dwarf_Die t;
	int id;

	if (dwarf_attr(die, DW_AT_type, &a) && !dwarf_formref_die(&a, &t))
		return -EPROTO;
	id = btf__add_ptr(d->btf, 0);
	if (id < 0 || !dwarf_hasattr(die, DW_AT_type))
		return id;
	if (d->npending == d->cap_pending) {
		size_t cap = d->cap_pending ? d->cap_pending * 2 : 64;

		p = realloc(d->pending, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->pending = p;
		d->cap_pending = cap;
	}
	d->pending[d->npending++] = (struct pending_ptr){ .ptr_id = id, .target = t };
	return id;
}

/* Points the deferred pointers at their targets, which may defer more. */
static int resolve_pending(struct dwarf_btf *d)
{
	while (d->npending) {
		struct pending_ptr p = d->pending[--d->npending];
		struct btf_type *t;
		int id = enc_die(d, &p.target, MODE_POINTEE, 0);

		if (id < 0)
			return id;
		/* libbpf's writer has no call to retarget a type; its types
		 * are plain writable memory while it is being built. */
		t = (struct btf_type *)btf__type_by_id(d->btf, p.ptr_id);
		if (!t)
			return -EINVAL;
		t->type = id;
	}
	return 0;
}

static int subrange_count(Dwarf_Die *sr, uint32_t *count)
{
	int64_t v, lo = 0;
	bool neg;
	int err;

	*count = 0;
	if (dwarf_hasattr(sr, DW_AT_count)) {
		err = attr_const(sr, DW_AT_count, &v, &neg);
	} else {
		err = attr_const(sr, DW_AT_upper_bound, &v, &neg);
		/* C arrays start at 0; a negative lower bound is not C. */
		if (!err && (attr_const(sr, DW_AT_lower_bound, &lo, &neg) < 0 || lo < 0))
			return -EPROTO;
		if (!err && v >= lo && v - lo >= UINT32_MAX)
			return -E2BIG;
		if (!err)	/* [0] may be written as upper bound -1 */
			v = v < lo ? 0 : v - lo + 1;
	}
	if (err)	/* no bound (a flexible array) or not a constant (a VLA) */
		return err < 0 ? err : 0;
	if (v < 0 || v > UINT32_MAX)
		return -E2BIG;
	*count = v;
	return 0;
}

static int enc_array(struct dwarf_btf *d, Dwarf_Die *die, int depth)
{
	uint32_t counts[DWB_MAX_DIMS];
	int elem, idx, r, n = 0;
	Dwarf_Die c;

	elem = enc_ref(d, die, MODE_FULL, depth);
	idx = index_type(d);
	if (elem < 0 || idx < 0)
		return elem < 0 ? elem : idx;
	for (r = dwarf_child(die, &c); r == 0; r = dwarf_siblingof(&c, &c)) {
		if (dwarf_tag(&c) != DW_TAG_subrange_type)
			continue;
		if (n == DWB_MAX_DIMS)
			return -E2BIG;
		r = subrange_count(&c, &counts[n++]);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return -EPROTO;
	if (!n)
		counts[n++] = 0;
	/* int a[2][3] is an array of 2 arrays of 3. */
	while (n-- > 0 && elem >= 0)
		elem = btf__add_array(d->btf, idx, elem, counts[n]);
	return elem;
}

static int enum_value(Dwarf_Die *e, int64_t *v, bool *neg)
{
	return attr_const(e, DW_AT_const_value, v, neg) ? -EPROTO : 0;
}

/* ENUM64 when a value needs more than 32 bits or the enum is that wide. */
static int enum_shape(Dwarf_Die *die, uint64_t size, bool *wide, bool *is_signed)
{
	int64_t v;
	bool neg;
	Dwarf_Die c;
	int r;

	*wide = size > 4;
	*is_signed = false;
	for (r = dwarf_child(die, &c); r == 0; r = dwarf_siblingof(&c, &c)) {
		if (dwarf_tag(&c) != DW_TAG_enumerator)
			continue;
		if (enum_value(&c, &v, &neg))
			return -EPROTO;
		*is_signed |= neg;
		*wide |= neg ? v < INT32_MIN : (uint64_t)v > UINT32_MAX;
	}
	return r < 0 ? -EPROTO : 0;
}

static int enc_enum(struct dwarf_btf *d, Dwarf_Die *die)
{
	char buf[DWARF_BTF_NAME_MAX];
	const char *name = btf_name(die, buf);
	bool wide, is_signed, neg;
	uint64_t size = 4;
	int64_t v;
	Dwarf_Die c;
	int id, r;

	if (is_declaration(die))
		return name && *name ? btf__add_fwd(d->btf, name, BTF_FWD_ENUM) : 0;
	if (attr_size(die, DW_AT_byte_size, &size) < 0)
		return -EPROTO;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return enc_opaque(d, size);
	r = enum_shape(die, size, &wide, &is_signed);
	if (r)
		return r;
	id = wide ? btf__add_enum64(d->btf, name, size, is_signed) : btf__add_enum(d->btf, name, size);
	for (r = dwarf_child(die, &c); id >= 0 && r == 0; r = dwarf_siblingof(&c, &c)) {
		if (dwarf_tag(&c) != DW_TAG_enumerator || enum_value(&c, &v, &neg))
			continue;
		r = wide ? btf__add_enum64_value(d->btf, dwarf_diename(&c), v)
			 : btf__add_enum_value(d->btf, dwarf_diename(&c), v);
		if (r < 0)
			return r;
	}
	return id < 0 ? id : r < 0 ? -EPROTO : id;
}

/* DW_AT_data_member_location: a constant, or (DWARF 2) an expression. */
static int member_location(Dwarf_Die *m, uint64_t *off)
{
	Dwarf_Attribute a;
	Dwarf_Op *ops;
	size_t n;
	int err = attr_size(m, DW_AT_data_member_location, off);

	if (err <= 0)
		return err;
	*off = 0;
	if (!dwarf_attr(m, DW_AT_data_member_location, &a))
		return 0;	/* union members: at 0 */
	if (dwarf_getlocation(&a, &ops, &n) || n != 1 ||
	    (ops[0].atom != DW_OP_plus_uconst && ops[0].atom != DW_OP_constu))
		return -EPROTO;
	*off = ops[0].number;
	return 0;
}

/*
 * DWARF 2/3 bit-fields: DW_AT_bit_offset counts from the most significant
 * bit of a storage unit of DW_AT_byte_size bytes (of the member, else of
 * its type).
 */
static int old_bit_offset(Dwarf_Die *m, uint32_t bit_size, uint64_t *bit_off)
{
	Dwarf_Attribute a;
	Dwarf_Die t;
	uint64_t storage, v;

	if (attr_size(m, DW_AT_bit_offset, &v))
		return -EPROTO;
	if (attr_size(m, DW_AT_byte_size, &storage) &&
	    (!dwarf_attr(m, DW_AT_type, &a) || !dwarf_formref_die(&a, &t) ||
	     dwarf_aggregate_size(&t, &storage)))
		return -EPROTO;
	if (storage > 16 || v > storage * 8 || bit_size > storage * 8 - v)
		return -EPROTO;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	*bit_off += storage * 8 - v - bit_size;
#else
	*bit_off += v;
#endif
	return 0;
}

static int member_bits(Dwarf_Die *m, uint64_t *bit_off, uint32_t *bit_size)
{
	uint64_t v = 0;
	int err;

	*bit_size = 0;
	err = attr_size(m, DW_AT_bit_size, &v);
	if (err < 0 || v > 255)
		return err < 0 ? err : -E2BIG;
	*bit_size = v;
	err = attr_size(m, DW_AT_data_bit_offset, bit_off);
	if (err <= 0)
		return err;
	err = member_location(m, &v);
	if (err)
		return err;
	if (v > UINT32_MAX / 8)
		return -E2BIG;
	*bit_off = v * 8;
	if (*bit_size && dwarf_hasattr(m, DW_AT_bit_offset))
		return old_bit_offset(m, *bit_size, bit_off);
	return 0;
}

/* The members' types are all encoded before the struct itself: libbpf
 * adds fields to the type added last. */
static int collect_members(struct dwarf_btf *d, Dwarf_Die *die, int depth, struct member **mp,
			   size_t *np)
{
	size_t cap = 0;
	Dwarf_Die c;
	int r, tag;

	for (r = dwarf_child(die, &c); r == 0; r = dwarf_siblingof(&c, &c)) {
		struct member *m;

		tag = dwarf_tag(&c);
		/* C++ static members are declarations; they take no room. */
		if ((tag != DW_TAG_member && tag != DW_TAG_inheritance) || is_declaration(&c))
			continue;
		if (*np == cap) {
			cap = cap ? cap * 2 : 16;
			if (cap > 0x10000)
				return -E2BIG;
			m = realloc(*mp, cap * sizeof(*m));
			if (!m)
				return -ENOMEM;
			*mp = m;
		}
		m = &(*mp)[*np];
		m->name = tag == DW_TAG_member ? dwarf_diename(&c) : NULL;
		m->type = enc_ref(d, &c, MODE_FULL, depth);
		if (m->type < 0)
			return m->type;
		r = member_bits(&c, &m->bit_off, &m->bit_size);
		if (r)
			return r;
		(*np)++;
	}
	return r < 0 ? -EPROTO : 0;
}

/* Any size: what a pointer may point at. */
#define SIZE_ANY	UINT64_MAX

/* A complete struct or union of this kind, size and name, already encoded. */
static int find_named(struct dwarf_btf *d, int kind, uint64_t size, const char *name)
{
	uint64_t key = name_key(kind, size, name);
	size_t step = 0;
	uint32_t id;

	while (idmap_next(&d->names, key, &step, &id)) {
		const struct btf_type *t = btf__type_by_id(d->btf, id);

		if (t && btf_kind(t) == kind && (size == SIZE_ANY || t->size == size) &&
		    !strcmp(btf__name_by_offset(d->btf, t->name_off), name))
			return id;
	}
	return 0;
}

static int add_composite(struct dwarf_btf *d, const char *name, bool is_union, uint64_t size,
			 const struct member *m, size_t n)
{
	bool bitfields = false;
	int id, err = 0;

	/* With kind_flag, offsets have 24 bits and bit-field sizes 8. */
	for (size_t i = 0; i < n; i++)
		bitfields |= m[i].bit_size || m[i].bit_off % 8;
	for (size_t i = 0; i < n; i++)
		if (m[i].bit_off > (bitfields ? 0xffffffu : UINT32_MAX))
			return -E2BIG;
	id = is_union ? btf__add_union(d->btf, name, size) : btf__add_struct(d->btf, name, size);
	for (size_t i = 0; id >= 0 && !err && i < n; i++)
		err = btf__add_field(d->btf, m[i].name, m[i].type, m[i].bit_off, m[i].bit_size);
	return id < 0 ? id : err ? err : id;
}

static int enc_composite(struct dwarf_btf *d, Dwarf_Die *die, int tag, int depth)
{
	bool is_union = tag == DW_TAG_union_type;
	int kind = is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT;
	char buf[DWARF_BTF_NAME_MAX];
	const char *name = btf_name(die, buf);
	struct member *m = NULL;
	uint64_t size;
	size_t n = 0;
	int id;

	if (attr_size(die, DW_AT_byte_size, &size))
		return -EPROTO;
	if (size > UINT32_MAX)
		return -E2BIG;
	/* The same struct from several compilation units is encoded once. */
	id = name ? find_named(d, kind, size, name) : 0;
	if (id)
		return id;
	id = collect_members(d, die, depth, &m, &n);
	if (!id)
		id = add_composite(d, name, is_union, size, m, n);
	free(m);
	if (id > 0 && name && (idmap_put(&d->names, name_key(kind, size, name), id) ||
			       idmap_put(&d->names, name_key(kind, SIZE_ANY, name), id)))
		return -ENOMEM;
	return id;
}

static int enc_fwd(struct dwarf_btf *d, const char *name, bool is_union)
{
	uint64_t key = name_key(BTF_KIND_FWD, is_union, name);
	size_t step = 0;
	uint32_t id;
	int err;

	while (idmap_next(&d->names, key, &step, &id)) {
		const struct btf_type *t = btf__type_by_id(d->btf, id);

		if (t && btf_is_fwd(t) && btf_kflag(t) == is_union &&
		    !strcmp(btf__name_by_offset(d->btf, t->name_off), name))
			return id;
	}
	err = btf__add_fwd(d->btf, name, is_union ? BTF_FWD_UNION : BTF_FWD_STRUCT);
	if (err < 0)
		return err;
	id = err;
	return idmap_put(&d->names, key, id) ?: (int)id;
}

static int root_index(const struct dwarf_btf *d, const char *name)
{
	for (size_t i = 0; name && i < d->nroots; i++)
		if (!strcmp(d->roots[i], name))
			return i;
	return -1;
}

/* A root found only as a typedef: encoded whole even behind a pointer. */
static bool is_typedef_root(const struct dwarf_btf *d, Dwarf_Die *die)
{
	int r = root_index(d, dwarf_diename(die));

	return r >= 0 && !d->found[r] && d->tfound[r];
}

/*
 * A struct or union seen behind a pointer, or only declared: a root is
 * encoded whole from its definition, anything else named is a FWD unless
 * it was embedded somewhere (and so is complete already).
 * Returns INT_MIN for an anonymous definition, which is encoded whole.
 */
static int enc_struct_ref(struct dwarf_btf *d, Dwarf_Die *die, int tag, int depth)
{
	char buf[DWARF_BTF_NAME_MAX];
	const char *name = btf_name(die, buf);
	int r = root_index(d, dwarf_diename(die)), id;

	if (r >= 0 && d->found[r])
		return enc_die(d, &d->root_dies[r], MODE_FULL, depth + 1);
	if (!name || !*name)
		return is_declaration(die) ? 0 : INT_MIN;
	/* Embedded somewhere, so complete already: better than a FWD. */
	id = find_named(d, tag == DW_TAG_union_type ? BTF_KIND_UNION : BTF_KIND_STRUCT, SIZE_ANY,
			name);
	return id ? id : enc_fwd(d, name, tag == DW_TAG_union_type);
}

static int enc_qualified(struct dwarf_btf *d, Dwarf_Die *die, int tag, enum dwb_mode mode,
			 int depth)
{
	char buf[DWARF_BTF_NAME_MAX];
	const char *name;
	int t = enc_ref(d, die, mode, depth);

	if (t < 0)
		return t;
	switch (tag) {
	case DW_TAG_typedef:
		name = btf_name(die, buf);
		return name && *name ? btf__add_typedef(d->btf, name, t) : t;
	case DW_TAG_const_type:
		return btf__add_const(d->btf, t);
	case DW_TAG_volatile_type:
		return btf__add_volatile(d->btf, t);
	default:
		return btf__add_restrict(d->btf, t);
	}
}

static int enc_new(struct dwarf_btf *d, Dwarf_Die *die, int tag, enum dwb_mode mode, int depth)
{
	uint64_t size;

	switch (tag) {
	case DW_TAG_base_type:
		return enc_base(d, die);
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		return enc_composite(d, die, tag, depth);
	case DW_TAG_enumeration_type:
		return enc_enum(d, die);
	case DW_TAG_typedef:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
		return enc_qualified(d, die, tag, mode, depth);
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		return enc_ptr(d, die);
	case DW_TAG_array_type:
		return enc_array(d, die, depth);
	case DW_TAG_subroutine_type:
		/* A Go func value is a pointer (to its closure), of that size. */
		if (die_is_go(die))
			return btf__add_ptr(d->btf, 0);
		/* Only reached by value, which C has not: no parameters. */
		return btf__add_func_proto(d->btf, 0);
	case DW_TAG_unspecified_type:
		return 0;
	}
	/* C++ member pointers and the like: their size is all CO-RE needs. */
	if (!attr_size(die, DW_AT_byte_size, &size) && size)
		return enc_opaque(d, size);
	return -EPROTO;
}

static int enc_die(struct dwarf_btf *d, Dwarf_Die *die, enum dwb_mode mode, int depth)
{
	int tag = dwarf_tag(die), id;
	uint32_t cached;

	if (depth > DWB_MAX_DEPTH)
		return -ELOOP;
	/* BTF has no atomic: _Atomic T is T. GCC and Clang keep T's size; a
	 * raised alignment is already in the member offsets DWARF gives. */
	if (tag == DW_TAG_atomic_type)
		return enc_ref(d, die, mode, depth);
	if (is_composite_tag(tag) && (mode == MODE_POINTEE || is_declaration(die))) {
		id = enc_struct_ref(d, die, tag, depth);
		if (id != INT_MIN)
			return id;
	}
	/* A function pointer is a pointer to void: same size, and CO-RE
	 * never relocates what is behind it. */
	if (tag == DW_TAG_subroutine_type && mode == MODE_POINTEE)
		return 0;
	if ((tag != DW_TAG_typedef && tag != DW_TAG_const_type && tag != DW_TAG_volatile_type &&
	     tag != DW_TAG_restrict_type) || (tag == DW_TAG_typedef && is_typedef_root(d, die)))
		mode = MODE_FULL;
	/* Already encoded whole: as good behind a pointer, and one typedef
	 * less of the same name. */
	if (mode == MODE_POINTEE && idmap_get(&d->dies, die_key(die, MODE_FULL), &cached))
		return cached;
	if (idmap_get(&d->dies, die_key(die, mode), &cached))
		return cached;
	id = enc_new(d, die, tag, mode, depth);
	if (id >= 0 && idmap_put(&d->dies, die_key(die, mode), id))
		return -ENOMEM;
	return id;
}

static int scan_units(struct dwarf_btf *d, Dwarf_Die *parent, int depth);

/* dwz moves shared types into partial units that others import. */
static int scan_import(struct dwarf_btf *d, Dwarf_Die *imp, int depth)
{
	Dwarf_Attribute a;
	Dwarf_Die unit;
	uint32_t seen;

	if (!dwarf_attr(imp, DW_AT_import, &a) || !dwarf_formref_die(&a, &unit))
		return -EPROTO;
	if (idmap_get(&d->units, die_key(&unit, MODE_FULL), &seen))
		return 0;
	if (idmap_put(&d->units, die_key(&unit, MODE_FULL), 1))
		return -ENOMEM;
	return scan_units(d, &unit, depth + 1);
}

/* Records the first definition of each root among PARENT's children. */
static int scan_units(struct dwarf_btf *d, Dwarf_Die *parent, int depth)
{
	Dwarf_Die c;
	int r, tag, i, err = 0;

	if (depth > 16)
		return -ELOOP;
	for (r = dwarf_child(parent, &c); r == 0 && !err; r = dwarf_siblingof(&c, &c)) {
		tag = dwarf_tag(&c);
		if (tag == DW_TAG_namespace)
			err = scan_units(d, &c, depth + 1);
		else if (tag == DW_TAG_imported_unit)
			err = scan_import(d, &c, depth);
		if (tag == DW_TAG_typedef && dwarf_hasattr(&c, DW_AT_type)) {
			i = root_index(d, dwarf_diename(&c));
			if (i >= 0 && !d->tfound[i]) {
				d->tdef_dies[i] = c;
				d->tfound[i] = true;
			}
			continue;
		}
		if (!is_composite_tag(tag) || is_declaration(&c) ||
		    !dwarf_hasattr(&c, DW_AT_byte_size))
			continue;
		i = root_index(d, dwarf_diename(&c));
		if (i >= 0 && !d->found[i]) {
			d->root_dies[i] = c;
			d->found[i] = true;
			d->nfound++;
		}
		/* Typedef roots may still be defined as structs further on. */
		if (d->nfound == d->nroots)
			return 0;
	}
	return err ? err : r < 0 ? -EPROTO : 0;
}

static int find_roots(struct dwarf_btf *d, Dwarf *dw)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, subdie;
	Dwarf_Half version;
	uint8_t unit_type;
	int r = 0, err = 0;

	while (d->nfound < d->nroots && !err &&
	       (r = dwarf_get_units(dw, cu, &cu, &version, &unit_type, &cudie, &subdie)) == 0)
		err = scan_units(d, &cudie, 0);
	if (err)
		return err;
	for (size_t i = 0; i < d->nroots; i++)
		if (d->found[i] || d->tfound[i])
			return 0;
	return r < 0 ? -EPROTO : -ENOENT;
}

/* Whole or not at all, and only what libbpf will parse at load time. */
static int write_btf(struct btf *btf, const char *out)
{
	struct btf *check;
	const void *raw;
	__u32 size;

	raw = btf__raw_data(btf, &size);
	if (!raw)
		return -ENOMEM;
	check = btf__new(raw, size);
	if (!check)
		return -errno;
	btf__free(check);
	return core_btf_write(btf, out);
}

static int encode_roots(struct dwarf_btf *d)
{
	int err = 0;

	d->btf = btf__new_empty();
	if (!d->btf)
		return -errno;
	for (size_t i = 0; i < d->nroots && !err; i++) {
		if (d->found[i])
			err = enc_die(d, &d->root_dies[i], MODE_FULL, 0);
		else if (d->tfound[i])
			err = enc_die(d, &d->tdef_dies[i], MODE_FULL, 0);
		else
			p_debug("dwarf: '%s': no struct %s", d->path, d->roots[i]);
		if (err > 0)
			err = 0;
	}
	return err ? err : resolve_pending(d);
}

/* libdwfl must not look for other files: the caller chose this one. */
static int no_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		  char **file_name, Elf **elfp)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name, (void)elfp;
	return -1;
}

static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	(void)mod, (void)userdata, (void)modname, (void)base, (void)file_name;
	(void)debuglink_file, (void)debuglink_crc, (void)debuginfo_file_name;
	return -1;
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = no_elf,
	.find_debuginfo = no_debuginfo,
	/* Applies a relocatable object's relocations to its DWARF. */
	.section_address = dwfl_offline_section_address,
};

static int generate(struct dwarf_btf *d, int fd, const char *out_path)
{
	Dwfl *dwfl = dwfl_begin(&offline_callbacks);
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	Dwarf *dw;
	int err;

	if (!dwfl)
		return -ENOMEM;
	/* The fd stays ours: libdwfl closes only what it opened itself. */
	mod = dwfl_report_offline(dwfl, d->path, d->path, fd);
	if (!mod || dwfl_report_end(dwfl, NULL, NULL)) {
		err = -ENOEXEC;
		goto out;
	}
	dw = dwfl_module_getdwarf(mod, &bias);
	if (!dw) {
		err = -ENOENT;
		goto out;
	}
	err = find_roots(d, dw);
	if (!err)
		err = encode_roots(d);
	if (!err)
		err = write_btf(d->btf, out_path);
out:
	dwfl_end(dwfl);
	return err;
}

int dwarf_btf_generate(const char *elf_path, const char *const *roots, const char *out_path)
{
	struct dwarf_btf d = { .path = elf_path, .roots = roots };
	int fd, err;

	while (roots[d.nroots])
		d.nroots++;
	d.root_dies = calloc(d.nroots + 1, sizeof(*d.root_dies));
	d.found = calloc(d.nroots + 1, sizeof(*d.found));
	d.tdef_dies = calloc(d.nroots + 1, sizeof(*d.tdef_dies));
	d.tfound = calloc(d.nroots + 1, sizeof(*d.tfound));
	if (!d.root_dies || !d.found || !d.tdef_dies || !d.tfound) {
		err = -ENOMEM;
		goto out;
	}
	elf_version(EV_CURRENT);
	fd = fs_open(elf_path);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	err = generate(&d, fd, out_path);
	close(fd);
out:
	if (err == -ENOENT)
		p_debug("dwarf: '%s': no DWARF for the structs sought", elf_path);
	else if (err)
		p_warn("dwarf: '%s': cannot make BTF: %s", elf_path, strerror(-err));
	btf__free(d.btf);
	free(d.pending);
	free(d.dies.slots);
	free(d.names.slots);
	free(d.units.slots);
	free(d.root_dies);
	free(d.found);
	free(d.tdef_dies);
	free(d.tfound);
	return err;
}
