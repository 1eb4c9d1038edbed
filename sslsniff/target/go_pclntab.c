// SPDX-License-Identifier: GPL-2.0
/*
 * Go's function table (go_pclntab.h): the header, the functab and each
 * function's _func record, as Go 1.16 to 1.27 lay them out for amd64
 * (runtime/symtab.go, runtime/runtime2.go, debug/gosym/pclntab.go).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "target/go_pclntab.h"

/* More than any program's (kubelet's is ~30 MB); the rest is refused. */
#define GO_PCLNTAB_MAX	(512U << 20)
/* The functab never holds more: each function takes at least 16 bytes
 * of text and 40 of table. */
#define GO_NFUNC_MAX	(1U << 24)

/* runtime.moduledata's first words: pcHeader, then six slices (funcnametab
 * ... ftab), findfunctab, minpc, maxpc, text (Go 1.16 to 1.27). */
#define MD_WORDS	23
#define MD_FUNCNAME	1
#define MD_MINPC	20
#define MD_TEXT		22

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int bad(struct go_pclntab *t, const char *why)
{
	t->why = why;
	return -EINVAL;
}

/* Whether LEN bytes at OFF are inside the table. */
static bool inside(const struct go_pclntab *t, uint64_t off, uint64_t len)
{
	return off <= t->n && len <= t->n - off;
}

/* Functab field I: entries at even I, funcoffs at odd. */
static uint64_t ftab(const struct go_pclntab *t, uint64_t i)
{
	const uint8_t *p = t->d + t->pcln + i * t->fsz;

	return t->fsz == 8 ? rd64(p) : rd32(p);
}

static uint64_t entry_of(const struct go_pclntab *t, uint64_t i)
{
	uint64_t e = ftab(t, 2 * i);

	return t->fsz == 8 ? e : t->text + e;
}

/* The one costly refusal: after a walk of up to GO_NFUNC_MAX entries. */
static const char not_increasing[] = "the functab's entries do not increase";

/* The functab's entries must increase: each function's end is the next one's entry. */
static int check_functab(struct go_pclntab *t)
{
	uint64_t room = t->n - t->pcln;

	if (t->nfunc == 0 || t->nfunc > GO_NFUNC_MAX)
		return bad(t, "no functions, or too many");
	if (room < t->fsz || (room / t->fsz - 1) / 2 < t->nfunc)
		return bad(t, "the functab runs past the end of the table");
	for (uint64_t i = 0; i < t->nfunc; i++) {
		if (ftab(t, 2 * i) >= ftab(t, 2 * i + 2))
			return bad(t, not_increasing);
	}
	return 0;
}

int go_pclntab_parse(struct go_pclntab *t, const void *d, size_t n, uint64_t text)
{
	const uint8_t *h = d;
	size_t hlen;

	memset(t, 0, sizeof(*t));
	t->d = d;
	t->n = n;
	if (n < 8)
		return -ENOENT;
	t->magic = rd32(h);
	if (t->magic != GO116_MAGIC && t->magic != GO118_MAGIC && t->magic != GO120_MAGIC)
		return -ENOENT;
	hlen = t->magic == GO116_MAGIC ? 64 : 72;
	if (n < hlen)
		return bad(t, "header cut short");
	if (h[4] || h[5] || (h[6] != 1 && h[6] != 2 && h[6] != 4) || h[7] != 8)
		return bad(t, "not a table of 8-byte pointers");
	if (n > GO_PCLNTAB_MAX)
		return bad(t, "table too large");
	t->fsz = t->magic == GO116_MAGIC ? 8 : 4;
	t->nfunc = rd64(h + 8);
	/* 1.18+ adds textStart after nfunc and nfiles. */
	h += t->magic == GO116_MAGIC ? 24 : 32;
	t->hdr_text = t->magic == GO116_MAGIC ? 0 : rd64(h - 8);
	t->funcname = rd64(h);
	t->pctab = rd64(h + 24);
	t->pcln = rd64(h + 32);
	if (t->funcname < hlen || t->funcname >= n || t->pctab < hlen || t->pctab >= n ||
	    t->pcln < hlen || t->pcln >= n)
		return bad(t, "an offset in the header is outside the table");
	go_pclntab_set_text(t, text ? text : t->hdr_text);
	return check_functab(t);
}

void go_pclntab_set_text(struct go_pclntab *t, uint64_t text)
{
	t->text = t->fsz == 4 ? text : 0;
}

/*
 * The extent of a function's code: the sum of the pc deltas of its pcsp
 * table (pairs of uvarints, a value delta then a pc delta in units of the
 * quantum, up to a zero value delta), which the linker writes up to the
 * symbol's size. 0 when the table gives none within MAX.
 */
static uint64_t pcsp_extent(const struct go_pclntab *t, uint32_t off, uint64_t max)
{
	uint64_t at = t->pctab + off, pc = 0;
	unsigned int quantum = t->d[6];

	if (!off || at >= t->n)
		return 0;
	for (bool first = true;; first = false) {
		uint64_t v[2] = { 0, 0 };

		for (int k = 0; k < 2; k++) {
			for (int shift = 0;; shift += 7) {
				if (at >= t->n || shift > 28)
					return 0;
				v[k] |= (uint64_t)(t->d[at] & 0x7f) << shift;
				if (!(t->d[at++] & 0x80))
					break;
			}
			if (k == 0 && !v[0] && !first)
				return pc;
		}
		pc += v[1] * quantum;
		if (pc > max)
			return 0;
	}
}

int go_pclntab_func(struct go_pclntab *t, uint64_t i, struct go_func *f)
{
	/* _func: entry (uintptr in 1.16, else a uint32 offset), nameOff,
	 * args, deferreturn, pcsp, pcfile, pcln, npcdata, cuOffset, then
	 * (1.20+: startLine) funcID. */
	unsigned int e = t->fsz, id = t->magic == GO118_MAGIC ? 36 : 40;
	uint64_t rec, name, raw;
	const uint8_t *nul, *p;
	int32_t name_off;

	if (i >= t->nfunc)
		return bad(t, "no such function");
	rec = t->pcln + ftab(t, 2 * i + 1);
	if (rec < t->pcln || !inside(t, rec, id + 1))
		return bad(t, "an _func record is outside the table");
	p = t->d + rec;
	raw = e == 8 ? rd64(p) : rd32(p);
	if (raw != ftab(t, 2 * i))
		return bad(t, "an _func record's entry differs from the functab's");
	name_off = (int32_t)rd32(p + e);
	name = t->funcname + (uint64_t)name_off;
	if (name_off < 0 || name >= t->n)
		return bad(t, "a function name is outside the table");
	nul = memchr(t->d + name, '\0', t->n - name);
	if (!nul)
		return bad(t, "a function name is not terminated");
	f->entry = entry_of(t, i);
	f->end = entry_of(t, i + 1);
	f->name = (const char *)t->d + name;
	f->name_len = nul - (t->d + name);
	f->func_id = p[id];
	f->size = pcsp_extent(t, rd32(p + e + 12), f->end - f->entry);
	return 0;
}

int go_pclntab_find(struct go_pclntab *t, const char *const *names, size_t n,
		    struct go_func *out)
{
	struct go_func f;
	int found = 0, err;

	memset(out, 0, n * sizeof(*out));
	for (uint64_t i = 0; i < t->nfunc; i++) {
		err = go_pclntab_func(t, i, &f);
		if (err)
			return err;
		for (size_t j = 0; j < n; j++) {
			if (!names[j][0] || f.name_len != strlen(names[j]) ||
			    memcmp(f.name, names[j], f.name_len))
				continue;
			/* An ABI wrapper (funcID wrapper) may share a Go function's name. */
			if (out[j].entry && (!out[j].func_id || f.func_id))
				continue;
			found += !out[j].entry;
			out[j] = f;
		}
	}
	return found;
}

/* ELF: where the table is, and where 1.18+ entries count from. */

/* The table by its section's name. 0 (VADDR, SIZE), or -ENOENT. */
static int pclntab_section(struct elf_file *ef, uint64_t *vaddr, uint64_t *size)
{
	if (!elf_file__section(ef, ".gopclntab", vaddr, size))
		return 0;
	return elf_file__section(ef, ".data.rel.ro.gopclntab", vaddr, size);
}

/* Loaded segment I, read whole into a malloc()ed buffer (NULL: not one, too large). */
static uint8_t *segment_read(struct elf_file *ef, size_t i, bool writable, uint64_t *vaddr,
			     uint64_t *len)
{
	unsigned int flags;
	uint8_t *buf;

	if (elf_file__segment(ef, i, vaddr, len, &flags) || (flags & ELF_SEG_X) ||
	    !!(flags & ELF_SEG_W) != writable || !*len || *len > GO_PCLNTAB_MAX)
		return NULL;
	buf = malloc(*len);
	if (buf && elf_file__read_vaddr(ef, *vaddr, buf, *len)) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

/*
 * A table found by its header in a loaded segment (a section table gone
 * or renamed): the first candidate that parses, bounded by the segment's
 * end. T->d points into the segment's copy, *BASE. At most
 * GO_SCAN_TRIES candidates are refused after a walk of their functab:
 * a hostile file could be made of them.
 */
#define GO_SCAN_TRIES	8

static int pclntab_scan(struct elf_file *ef, struct go_pclntab *t, uint64_t *at, uint8_t **base)
{
	int tries = 0;

	for (size_t i = 0; i < elf_file__nr_segments(ef) && tries < GO_SCAN_TRIES; i++) {
		for (int w = 0; w < 2; w++) {
			uint64_t vaddr, len;
			uint8_t *seg = segment_read(ef, i, w, &vaddr, &len);

			for (uint64_t p = 0; seg && p + 72 <= len && tries < GO_SCAN_TRIES; p += 4) {
				if (seg[p] < 0xf0 || rd32(seg + p) < GO118_MAGIC ||
				    seg[p + 4] || seg[p + 5] || seg[p + 7] != 8)
					continue;
				if (go_pclntab_parse(t, seg + p, len - p, 0)) {
					tries += t->why == not_increasing;
					continue;
				}
				*at = vaddr + p;
				*base = seg;
				return 0;
			}
			free(seg);
		}
	}
	return -ENOENT;
}

/*
 * runtime.firstmoduledata, in a writable segment: its pcHeader and
 * funcnametab point into the table at VADDR, and its minpc is the first
 * entry from its text. Its first N (>= MD_WORDS) words into MD, or
 * -ENOENT.
 */
static int moduledata_find(struct elf_file *ef, const struct go_pclntab *t, uint64_t vaddr,
			   uint64_t *md, size_t n)
{
	int err = -ENOENT;

	if (n < MD_WORDS)
		return -EINVAL;
	for (size_t i = 0; err && i < elf_file__nr_segments(ef); i++) {
		uint64_t seg_vaddr, len;
		uint8_t *seg = segment_read(ef, i, true, &seg_vaddr, &len);

		for (uint64_t p = (8 - seg_vaddr % 8) % 8; seg && p + n * 8 <= len; p += 8) {
			if (rd64(seg + p) != vaddr)
				continue;
			memcpy(md, seg + p, n * 8);
			if (md[MD_FUNCNAME] == vaddr + t->funcname &&
			    md[MD_MINPC] == md[MD_TEXT] + ftab(t, 0)) {
				err = 0;
				break;
			}
		}
		free(seg);
	}
	return err;
}

static uint64_t moduledata_text(struct elf_file *ef, const struct go_pclntab *t, uint64_t vaddr)
{
	uint64_t md[MD_WORDS];

	return moduledata_find(ef, t, vaddr, md, MD_WORDS) ? 0 : md[MD_TEXT];
}

int go_pclntab_moduledata(struct elf_file *ef, const struct go_pclntab *t, uint64_t *md,
			  size_t n)
{
	return t->d ? moduledata_find(ef, t, t->vaddr, md, n) : -ENOENT;
}

/* Whether every entry, up to the last function's end, is code of one segment. */
static bool entries_in_text(struct elf_file *ef, const struct go_pclntab *t)
{
	uint64_t first = entry_of(t, 0), last = entry_of(t, t->nfunc);
	uint64_t off = elf_file__code_offset(ef, first);

	return first < last && off &&
	       elf_file__code_offset(ef, last - 1) == off + (last - 1 - first);
}

static int pclntab_text(struct elf_file *ef, struct go_pclntab *t, uint64_t vaddr)
{
	uint64_t text = t->hdr_text, size;

	if (t->fsz == 4 && !text)
		text = moduledata_text(ef, t, vaddr);
	if (t->fsz == 4 && !text && elf_file__section(ef, ".text", &text, &size))
		return bad(t, "no text start (header, moduledata or .text)");
	go_pclntab_set_text(t, text);
	if (t->fsz == 4 && (ftab(t, 2 * t->nfunc) > UINT64_MAX - text))
		return bad(t, "entries past the end of the address space");
	return entries_in_text(ef, t) ? 0 : bad(t, "functions outside the executable's code");
}

int go_pclntab_read(struct elf_file *ef, struct go_pclntab *t)
{
	uint64_t vaddr, size;
	uint8_t *base = NULL;
	int err;

	memset(t, 0, sizeof(*t));
	if (!pclntab_section(ef, &vaddr, &size)) {
		if (size > GO_PCLNTAB_MAX)
			return bad(t, "table too large");
		base = malloc(size ? size : 1);
		if (!base)
			return -ENOMEM;
		err = elf_file__read_vaddr(ef, vaddr, base, size)
			      ? bad(t, "section not loaded")
			      : go_pclntab_parse(t, base, size, 0);
		if (err == -ENOENT)
			err = bad(t, "no known header (Go 1.16 and later)");
	} else {
		err = pclntab_scan(ef, t, &vaddr, &base);
	}
	if (!err)
		err = pclntab_text(ef, t, vaddr);
	if (err) {
		free(base);
		t->d = NULL;
		return err;
	}
	t->base = base;
	t->vaddr = vaddr;
	return 0;
}

void go_pclntab_release(struct go_pclntab *t)
{
	free(t->base);
	t->base = NULL;
	t->d = NULL;
}

int go_pclntab_find_funcs(struct elf_file *ef, const char *const *names, size_t n,
			  uint64_t *offs, const char **why)
{
	struct go_func *f = calloc(n ? n : 1, sizeof(*f));
	struct go_pclntab t;
	int err, found = 0;

	*why = NULL;
	if (!f)
		return -ENOMEM;
	err = go_pclntab_read(ef, &t);
	if (!err)
		err = go_pclntab_find(&t, names, n, f);
	for (size_t i = 0; err > 0 && i < n; i++) {
		uint64_t off = f[i].entry ? elf_file__code_offset(ef, f[i].entry) : 0;
		/* The sweep for return instructions stops at the code's end,
		 * else at the next function's entry. */
		uint64_t len = f[i].size ? f[i].size : f[i].end - f[i].entry;
		uint8_t b;

		/* Code the file holds (a truncated one's headers claim more). */
		if (!off || offs[i] || elf_file__read_text(ef, off, &b, 1) ||
		    elf_file__read_text(ef, off + len - 1, &b, 1) ||
		    elf_file__add_func(ef, off, len))
			continue;
		offs[i] = off;
		found++;
	}
	*why = t.why;
	go_pclntab_release(&t);
	free(f);
	return err < 0 ? err : found;
}
