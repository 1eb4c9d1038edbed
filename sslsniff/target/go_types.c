// SPDX-License-Identifier: GPL-2.0
/*
 * Go's type descriptors (go_types.h), as Go 1.18 to 1.27 lay them out for
 * amd64: internal/abi/type.go (runtime/type.go up to 1.20), runtime/
 * symtab.go's moduledata, runtime/iface.go's addModuleItabs (1.27).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "target/go_pclntab.h"
#include "target/go_types.h"

/* abi.Type: its size, and where its kind, tflag and str nameOff lie. */
#define TYPE_SIZE	48
#define TYPE_TFLAG	20
#define TYPE_KIND	23
#define TYPE_STR	40
#define TFLAG_EXTRA_STAR 0x2
#define KIND_MASK	0x1f
#define KIND_PTR	22
/* abi.InterfaceType: the Type, PkgPath, then Methods' pointer and length. */
#define ITYPE_NMETHODS	(TYPE_SIZE + 16)
/* abi.ITab: Inter, Type, Hash, Fun[1]. */
#define ITAB_SIZE	32
/* As the pclntab's: a larger region is refused. */
#define GO_TYPES_MAX	(512U << 20)

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static bool inside(const struct go_types *t, uint64_t off, uint64_t len)
{
	return off <= t->n && len <= t->n - off;
}

int go_types_name(const struct go_types *t, uint64_t off, const char **name, size_t *len,
		  unsigned int *kind)
{
	uint64_t at, l = 0;
	int32_t str;
	uint8_t tflag;

	if (!inside(t, off, TYPE_SIZE))
		return -EINVAL;
	tflag = t->d[off + TYPE_TFLAG];
	*kind = t->d[off + TYPE_KIND] & KIND_MASK;
	memcpy(&str, t->d + off + TYPE_STR, sizeof(str));
	/* A name (1.17+): a flags byte, a uvarint length, the bytes. */
	if (str <= 0)
		return -EINVAL;
	at = (uint64_t)str + 1;
	for (int shift = 0;; shift += 7) {
		if (at >= t->n || shift > 28)
			return -EINVAL;
		l |= (uint64_t)(t->d[at] & 0x7f) << shift;
		if (!(t->d[at++] & 0x80))
			break;
	}
	if (!inside(t, at, l))
		return -EINVAL;
	if ((tflag & TFLAG_EXTRA_STAR) && l && t->d[at] == '*') {
		at++;
		l--;
	}
	*name = (const char *)t->d + at;
	*len = l;
	return 0;
}

int go_types_is_ptr(const struct go_types *t, uint64_t off, const char *name)
{
	unsigned int kind;
	const char *s;
	size_t len;

	return !go_types_name(t, off, &s, &len, &kind) && kind == KIND_PTR &&
	       len == strlen(name) && !memcmp(s, name, len);
}

int go_types_find_typelink(const struct go_types *t, const int32_t *links, size_t n,
			   const char *name, uint64_t *off)
{
	for (size_t i = 0; i < n; i++) {
		if (links[i] > 0 && go_types_is_ptr(t, (uint64_t)links[i], name)) {
			*off = (uint64_t)links[i];
			return 0;
		}
	}
	return -ENOENT;
}

/* The offset in T of the address at D[AT], or -1 outside. */
static int64_t ref(const struct go_types *t, uint64_t at)
{
	uint64_t a = rd64(t->d + at);

	return a >= t->base && a - t->base < t->n ? (int64_t)(a - t->base) : -1;
}

int go_types_find_itab(const struct go_types *t, uint64_t at, uint64_t size, const char *name,
		       uint64_t *off)
{
	uint64_t end;

	if (!inside(t, at, size))
		return -ENOENT;
	/* Each step is at least an itab: at most SIZE / 32 of them. */
	for (end = at + size; at < end && end - at >= ITAB_SIZE;) {
		int64_t inter = ref(t, at), type = ref(t, at + 8);
		uint64_t nm = 1;

		if (inter < 0 || type < 0 || !inside(t, inter, ITYPE_NMETHODS + 8))
			return -ENOENT;
		if (go_types_is_ptr(t, type, name)) {
			*off = type;
			return 0;
		}
		if (rd64(t->d + at + 24))
			nm = rd64(t->d + inter + ITYPE_NMETHODS);
		if (!nm || nm > (end - at - 24) / 8)
			return -ENOENT;
		at += 24 + 8 * nm;
	}
	return -ENOENT;
}

/*
 * runtime.moduledata's fields, as 8-byte words, from the layout's BTF
 * (go_runtime__moduledata, a root of the DWARF encoder): types, etypes
 * and typelinks (up to 1.26), or 1.27's itaboffset and itabsize.
 */
#define MD_MAX		128
struct md_words {
	unsigned int n, types, etypes, typelinks, itaboffset, itabsize;
};

static unsigned int member_word(const struct btf *btf, const struct btf_type *st,
				const char *name, unsigned int span)
{
	const struct btf_member *m = btf_members(st);

	for (unsigned int i = 0; i < btf_vlen(st); i++, m++) {
		uint32_t bits = btf_member_bit_offset(st, i);

		if (strcmp(btf__name_by_offset(btf, m->name_off), name))
			continue;
		/* Whole 8-byte words, inside the struct. */
		return bits % 64 || bits / 64 + span > st->size / 8 ? 0 : bits / 64;
	}
	return 0;
}

static const char *md_layout(const struct btf *btf, struct md_words *w)
{
	const struct btf_type *st = NULL;
	int id;

	memset(w, 0, sizeof(*w));
	if (!btf)
		return "no layout";
	id = btf__find_by_name_kind(btf, "go_runtime__moduledata", BTF_KIND_STRUCT);
	if (id > 0)
		st = btf__type_by_id(btf, id);
	if (st && st->size / 8 <= MD_MAX) {
		w->n = st->size / 8;
		w->types = member_word(btf, st, "types", 1);
		w->etypes = member_word(btf, st, "etypes", 1);
		w->typelinks = member_word(btf, st, "typelinks", 3);
		w->itaboffset = member_word(btf, st, "itaboffset", 1);
		w->itabsize = member_word(btf, st, "itabsize", 1);
	}
	if (!w->types || !w->etypes || (!w->typelinks && (!w->itaboffset || !w->itabsize)))
		return "no runtime.moduledata in the layout";
	return NULL;
}

static int find_typelink(struct elf_file *ef, const struct go_types *t, const uint64_t *md,
			 unsigned int w, const char *name, uint64_t *off)
{
	uint64_t n = md[w + 1];
	int32_t *links;
	int err;

	/* Every typelink is a descriptor of its own in the region. */
	if (n != md[w + 2] || n > t->n / TYPE_SIZE)
		return -ENOENT;
	links = malloc(n ? n * sizeof(*links) : 1);
	if (!links)
		return -ENOMEM;
	err = elf_file__read_vaddr(ef, md[w], links, n * sizeof(*links)) ? -ENOENT
		: go_types_find_typelink(t, links, n, name, off);
	free(links);
	return err;
}

static int find_in_region(struct elf_file *ef, const struct go_pclntab *p,
			  const struct md_words *wp, const char *name, uint64_t *addr,
			  const char **why)
{
	struct md_words w = *wp;
	bool go127 = !w.typelinks;
	struct go_types t;
	uint64_t md[MD_MAX], off;
	uint8_t *d;
	int err;

	if (go_pclntab_moduledata(ef, p, md, w.n)) {
		*why = "no moduledata";
		return -ENOENT;
	}
	if (md[w.types] >= md[w.etypes] || md[w.etypes] - md[w.types] > GO_TYPES_MAX) {
		*why = "the moduledata's types region is malformed";
		return -ENOENT;
	}
	t.base = md[w.types];
	t.n = md[w.etypes] - md[w.types];
	d = malloc(t.n);
	if (!d)
		return -ENOMEM;
	t.d = d;
	if (elf_file__read_vaddr(ef, t.base, d, t.n)) {
		free(d);
		*why = "the types region is not in the file";
		return -ENOENT;
	}
	if (go127)
		err = go_types_find_itab(&t, md[w.itaboffset], md[w.itabsize], name, &off);
	else
		err = find_typelink(ef, &t, md, w.typelinks, name, &off);
	free(d);
	if (!err)
		*addr = t.base + off;
	else if (err == -ENOENT)
		*why = go127 ? "not among the itabs" : "not among the typelinks";
	return err;
}

int go_types_find_ptr(struct elf_file *ef, const struct btf *btf, const char *name,
		      uint64_t *addr, const char **why)
{
	struct go_pclntab p;
	struct md_words w;
	int err;

	*why = md_layout(btf, &w);
	if (*why)
		return -ENOENT;
	*why = "no pclntab";
	err = go_pclntab_read(ef, &p);
	if (err)
		return err == -ENOMEM ? err : -ENOENT;
	err = find_in_region(ef, &p, &w, name, addr, why);
	go_pclntab_release(&p);
	return err;
}
