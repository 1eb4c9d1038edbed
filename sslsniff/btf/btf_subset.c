// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btf/btf_subset.h"
#include "sslsniff.h"	/* the skeleton names its types */
#include "sslsniff.skel.h"

/* A name without its ___flavor suffix, as libbpf compares CO-RE names. */
static size_t essential_len(const char *name)
{
	const char *f = strstr(name, "___");

	return f ? (size_t)(f - name) : strlen(name);
}

static bool is_root_kind(const struct btf_type *t)
{
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_FWD:
		return t->name_off != 0;
	default:
		return false;
	}
}

struct names {
	const char **v;
	size_t n;
};

static int cmp_name(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = essential_len(x), ly = essential_len(y);
	int c = strncmp(x, y, lx < ly ? lx : ly);

	return c ? c : (lx > ly) - (lx < ly);
}

static bool names_have(const struct names *ns, const char *name)
{
	return bsearch(&name, ns->v, ns->n, sizeof(*ns->v), cmp_name) != NULL;
}

/* The program's named types, sorted by essential name. */
static int program_names(const struct btf *pbtf, struct names *ns)
{
	__u32 n = btf__type_cnt(pbtf);

	ns->v = calloc(n, sizeof(*ns->v));
	if (!ns->v)
		return -ENOMEM;
	for (__u32 id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(pbtf, id);

		if (is_root_kind(t))
			ns->v[ns->n++] = btf__name_by_offset(pbtf, t->name_off);
	}
	qsort(ns->v, ns->n, sizeof(*ns->v), cmp_name);
	return 0;
}

/* Marks ID and what it embeds (not what it points to) in KEEP. */
static void keep_type(const struct btf *btf, bool *keep, __u32 id)
{
	while (id && !keep[id]) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		keep[id] = true;
		switch (btf_kind(t)) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			for (__u16 i = 0; i < btf_vlen(t); i++)
				keep_type(btf, keep, btf_members(t)[i].type);
			return;
		case BTF_KIND_ARRAY:
			keep_type(btf, keep, btf_array(t)->index_type);
			id = btf_array(t)->type;
			break;
		case BTF_KIND_FUNC_PROTO:
			for (__u16 i = 0; i < btf_vlen(t); i++)
				keep_type(btf, keep, btf_params(t)[i].type);
			id = t->type;
			break;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		default:	/* PTR: not followed; INT, ENUM, FLOAT, FWD: leaves */
			return;
		}
	}
}

/* The new id of OLD, or 0 (void) for a pointer's target left out. */
static __u32 remap(const __u32 *map, __u32 old)
{
	return old ? map[old] : 0;
}

/* The copied type NT's references, from old ids to new ones. */
static void remap_refs(struct btf_type *nt, const __u32 *map)
{
	switch (btf_kind(nt)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		for (__u16 i = 0; i < btf_vlen(nt); i++)
			btf_members(nt)[i].type = remap(map, btf_members(nt)[i].type);
		break;
	case BTF_KIND_ARRAY:
		btf_array(nt)->type = remap(map, btf_array(nt)->type);
		btf_array(nt)->index_type = remap(map, btf_array(nt)->index_type);
		break;
	case BTF_KIND_FUNC_PROTO:
		for (__u16 i = 0; i < btf_vlen(nt); i++)
			btf_params(nt)[i].type = remap(map, btf_params(nt)[i].type);
		nt->type = remap(map, nt->type);
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		nt->type = remap(map, nt->type);
		break;
	default:
		break;
	}
}

static struct btf *copy_kept(const struct btf *kbtf, const bool *keep, __u32 *map)
{
	__u32 n = btf__type_cnt(kbtf), next = 1;
	struct btf *out = btf__new_empty();

	if (!out)
		return NULL;
	for (__u32 id = 1; id < n; id++)
		map[id] = keep[id] ? next++ : 0;
	for (__u32 id = 1; id < n; id++) {
		int nid;

		if (!keep[id])
			continue;
		nid = btf__add_type(out, kbtf, btf__type_by_id(kbtf, id));
		if (nid < 0) {
			btf__free(out);
			errno = -nid;
			return NULL;
		}
		/* A type just added is ours to change: the builder owns its data. */
		remap_refs((struct btf_type *)btf__type_by_id(out, nid), map);
	}
	return out;
}

static struct btf *program_btf(struct bpf_object **obj)
{
	size_t sz;
	const void *elf = sslsniff_bpf__elf_bytes(&sz);

	*obj = bpf_object__open_mem(elf, sz, NULL);
	return *obj ? bpf_object__btf(*obj) : NULL;
}

struct btf *btf_subset_for_program(const struct btf *kbtf)
{
	__u32 n = btf__type_cnt(kbtf);
	struct names ns = {};
	struct bpf_object *obj = NULL;
	struct btf *pbtf, *out = NULL;
	bool *keep = calloc(n, sizeof(*keep));
	__u32 *map = calloc(n, sizeof(*map));
	int err = -ENOMEM;

	pbtf = program_btf(&obj);
	if (!pbtf)
		err = -errno;
	else if (keep && map && !program_names(pbtf, &ns)) {
		for (__u32 id = 1; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(kbtf, id);

			if (is_root_kind(t) && names_have(&ns, btf__name_by_offset(kbtf, t->name_off)))
				keep_type(kbtf, keep, id);
		}
		out = copy_kept(kbtf, keep, map);
		err = out ? 0 : -errno;
	}
	free(ns.v);
	free(keep);
	free(map);
	bpf_object__close(obj);
	errno = -err;
	return out;
}
