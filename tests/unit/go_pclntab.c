// SPDX-License-Identifier: GPL-2.0
/*
 * Go's pclntab (target/go_pclntab.c). Always: small tables of each
 * layout (Go 1.16, 1.18, 1.20) made here, read right, and every
 * truncation and corrupted field refused with a reason, never read out
 * of bounds (ASan). With GO_PCLNTAB_FILES (unstripped Go executables,
 * space-separated; tests/t-go-pclntab.sh builds them): the table
 * against the executable's own .symtab, read here with libelf: every
 * sized STT_FUNC at a pclntab entry has its name (less an ABI suffix)
 * and its size, the bytes from its end to the next entry are int3
 * padding, and crypto/tls.(*Conn).Read and Write are found where
 * .symtab has them.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <unistd.h>
#include "target/elf_file.h"
#include "target/go_pclntab.h"
#include "unit.h"

/* A table of two functions, "a.f" (40 bytes of code, 64 with padding) and
 * "b.g" (16), in the layout of MAGIC; its size. */
static size_t make_table(uint8_t *d, uint32_t magic)
{
	bool go116 = magic == 0xfffffffa;
	size_t hlen = go116 ? 64 : 72, fsz = go116 ? 8 : 4, rec = go116 ? 44 : 48;
	uint64_t text = 0x401000, w[8] = { 0 };
	uint64_t names = hlen, pctab = names + 8, pcln = pctab + 8, nw = 0;
	uint64_t ftab_len = 5 * fsz, entries[3] = { 0, 64, 80 };
	static const uint8_t pcsp_a[] = { 0x02, 0x28, 0x00 }, pcsp_b[] = { 0x02, 0x10, 0x00 };

	memset(d, 0, 512);
	memcpy(d, &magic, 4);
	d[6] = 1;
	d[7] = 8;
	w[nw++] = 2;		/* nfunc */
	w[nw++] = 1;		/* nfiles */
	if (!go116)
		w[nw++] = text;
	w[nw++] = names;
	nw += 3;		/* cutab, filetab, pctab */
	w[nw - 1] = pctab;
	w[nw++] = pcln;
	memcpy(d + 8, w, nw * 8);
	memcpy(d + names, "a.f\0b.g\0", 8);
	memcpy(d + pctab + 1, pcsp_a, 3);
	memcpy(d + pctab + 5, pcsp_b, 3);
	for (int i = 0; i < 3; i++) {
		uint64_t e = go116 ? text + entries[i] : entries[i];
		uint64_t off = ftab_len + i * rec;

		memcpy(d + pcln + 2 * i * fsz, &e, fsz);
		if (i == 2)
			break;
		memcpy(d + pcln + (2 * i + 1) * fsz, &off, fsz);
		memcpy(d + pcln + off, &e, fsz);
		*(uint32_t *)(d + pcln + off + fsz) = i * 4;		/* nameOff */
		*(uint32_t *)(d + pcln + off + fsz + 12) = 1 + i * 4;	/* pcsp */
	}
	return pcln + ftab_len + 2 * rec;
}

static void check_layout(uint32_t magic)
{
	static const char *const names[] = { "b.g", "no.such", "a.f", "" };
	uint8_t d[512], *copy;
	struct go_pclntab t;
	struct go_func f[4];
	size_t n = make_table(d, magic);

	CHECK(!go_pclntab_parse(&t, d, n, 0));
	CHECK(t.nfunc == 2);
	CHECK(go_pclntab_find(&t, names, 4, f) == 2);
	CHECK(f[0].entry == 0x401040 && f[0].end == 0x401050 && f[0].size == 16);
	CHECK(f[2].entry == 0x401000 && f[2].end == 0x401040 && f[2].size == 40);
	CHECK(!f[1].entry && !f[3].entry);
	CHECK(f[2].name_len == 3 && !memcmp(f[2].name, "a.f", 3));
	/* Every truncation: refused, or (past the last byte read) the same. */
	for (size_t len = 0; len < n; len++) {
		int err;

		copy = malloc(len ? len : 1);
		memcpy(copy, d, len);
		err = go_pclntab_parse(&t, copy, len, 0);
		if (!err)
			err = go_pclntab_find(&t, names, 4, f);
		CHECK(err < 0 || err == 2);
		CHECK(err >= 0 || err == -ENOENT || t.why);
		free(copy);
	}
}

/* One corruption of the 1.20 table: refused, with a reason. */
static void check_bad(size_t at, const void *val, size_t len, const char *what)
{
	static const char *const names[] = { "a.f", "b.g" };
	uint8_t d[512];
	struct go_pclntab t;
	struct go_func f[2];
	size_t n = make_table(d, 0xfffffff1);
	int err;

	memcpy(d + at, val, len);
	err = go_pclntab_parse(&t, d, n, 0);
	if (!err)
		err = go_pclntab_find(&t, names, 2, f);
	if (err != -EINVAL || !t.why)
		printf("corrupt %s: %d, not refused\n", what, err);
	CHECK(err == -EINVAL && t.why);
}

/* A name that runs to the end of the table. */
static void check_unterminated(void)
{
	static const char *const names[] = { "a.f" };
	uint8_t d[512];
	struct go_pclntab t;
	struct go_func f;
	size_t n = make_table(d, 0xfffffff1);
	uint32_t off = n - 1 - 72;

	d[n - 1] = 'x';
	memcpy(d + 72 + 16 + 20 + 4, &off, 4);
	CHECK(!go_pclntab_parse(&t, d, n, 0));
	CHECK(go_pclntab_find(&t, names, 1, &f) == -EINVAL && t.why);
}

static void check_hostile(void)
{
	uint64_t big = ~0ULL, nfunc = 1000, one = 1;
	uint32_t neg = 0x80000000U, far = 0x10000, zero = 0;
	size_t pcln = 72 + 16;

	check_bad(8, &big, 8, "nfunc");
	check_bad(8, &nfunc, 8, "nfunc past the table");
	check_bad(32, &big, 8, "funcnametab offset");
	check_bad(64, &big, 8, "pclntab offset");
	check_bad(7, "\x04", 1, "pointer size");
	check_bad(pcln + 8, &zero, 4, "decreasing entries");
	check_bad(pcln + 4, &far, 4, "funcoff");
	check_bad(pcln + 20 + 4, &neg, 4, "negative nameOff");
	check_bad(pcln + 20 + 4, &far, 4, "nameOff past the table");
	check_bad(pcln + 20, &one, 4, "_func entry");
	check_unterminated();
}

/* Symbols of a file, by libelf alone. */
struct sym {
	uint64_t addr, size;
	char *name;
};

static struct sym *symtab_funcs(const char *path, size_t *nr)
{
	int fd = open(path, O_RDONLY);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	Elf_Scn *scn = NULL;
	struct sym *s = NULL;
	GElf_Shdr sh;

	*nr = 0;
	while (elf && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data = gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB
					 ? elf_getdata(scn, NULL) : NULL;
		GElf_Sym sym;

		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *name;

			if (!gelf_getsym(data, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !sym.st_size || !(name = elf_strptr(elf, sh.sh_link, sym.st_name)))
				continue;
			s = realloc(s, (*nr + 1) * sizeof(*s));
			s[*nr] = (struct sym){ sym.st_value, sym.st_size, strdup(name) };
			(*nr)++;
		}
	}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return s;
}

static int name_cmp(const char *a, size_t alen, const struct go_func *b)
{
	int c = memcmp(a, b->name, alen < b->name_len ? alen : b->name_len);

	return c ? c : alen < b->name_len ? -1 : alen > b->name_len;
}

static int func_cmp(const void *a, const void *b)
{
	const struct go_func *fa = a, *fb = b;
	int c = name_cmp(fa->name, fa->name_len, fb);

	return c ? c : fa->entry < fb->entry ? -1 : fa->entry > fb->entry;
}

/* The first of the functions named NAME (LEN bytes), sorted by name. */
static size_t first_named(const struct go_func *f, size_t n, const char *name, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (name_cmp(name, len, &f[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void check_padding(struct elf_file *ef, const struct go_func *f, size_t *bad)
{
	uint8_t pad[64];
	uint64_t off = elf_file__code_offset(ef, f->entry + f->size);
	size_t len = f->end - f->entry - f->size;

	if (len > sizeof(pad) || elf_file__read_text(ef, off, pad, len)) {
		(*bad)++;
		return;
	}
	for (size_t i = 0; i < len; i++)
		*bad += pad[i] != 0xcc;
}

struct tally {
	size_t listed, exact, bounded, wrong, bad_pad;
};

/*
 * Symbol S against the pclntab's functions of its name (an ABI0 symbol's
 * without its suffix): one at its address, of its size (a function
 * without a pcsp table, C from cgo: its extent holds the symbol).
 */
static void check_sym(struct elf_file *ef, const struct go_func *f, size_t n,
		      const struct sym *s, struct tally *c)
{
	size_t len = strlen(s->name), i;
	const struct go_func *g = NULL;

	if (len > 5 && !strcmp(s->name + len - 5, ".abi0"))
		len -= 5;
	i = first_named(f, n, s->name, len);
	if (i == n || name_cmp(s->name, len, &f[i]))
		return;		/* not listed: a name the linker wrote otherwise */
	c->listed++;
	for (; i < n && !name_cmp(s->name, len, &f[i]) && !g; i++)
		g = f[i].entry == s->addr ? &f[i] : NULL;
	if (g && g->size == s->size) {
		c->exact++;
		check_padding(ef, g, &c->bad_pad);
		return;
	}
	if (g && !g->size && s->size <= g->end - g->entry) {
		c->bounded++;
		return;
	}
	if (c->wrong++ < 5)
		printf("%s at 0x%llx size %llu: %s\n", s->name, (unsigned long long)s->addr,
		       (unsigned long long)s->size, g ? "pclntab's size differs" :
		       "not at this address in the pclntab");
}

static void check_file(const char *path)
{
	static const char *const tls[] = { "crypto/tls.(*Conn).Read", "crypto/tls.(*Conn).Write" };
	struct elf_file *ef = elf_file__open(path);
	size_t nsym;
	struct sym *s = symtab_funcs(path, &nsym);
	struct go_func *f, tf[2];
	struct tally c = { 0 };
	struct go_pclntab t;

	CHECK(ef && s);
	if (!ef || !s || go_pclntab_read(ef, &t)) {
		printf("%s: no pclntab read (%s)\n", path, t.why ? t.why : "none");
		unit_failures++;
		goto out;
	}
	f = calloc(t.nfunc, sizeof(*f));
	for (uint64_t i = 0; i < t.nfunc; i++)
		CHECK(!go_pclntab_func(&t, i, &f[i]));
	qsort(f, t.nfunc, sizeof(*f), func_cmp);
	for (size_t i = 0; i < nsym; i++)
		check_sym(ef, f, t.nfunc, &s[i], &c);
	CHECK(go_pclntab_find(&t, tls, 2, tf) == 2);
	for (int k = 0; k < 2; k++) {
		bool at_sym = false;

		for (size_t i = 0; i < nsym; i++)
			at_sym |= !strcmp(s[i].name, tls[k]) && s[i].addr == tf[k].entry &&
				  s[i].size == tf[k].size;
		if (!at_sym)
			printf("%s: %s not where .symtab has it\n", path, tls[k]);
		CHECK(at_sym);
	}
	printf("%s: %llu functions in the pclntab, %zu sized STT_FUNC in .symtab, %zu of them "
	       "listed by name: %zu at their address and size, %zu (C, no pcsp table) inside "
	       "their extent, %zu wrong; %zu padding bytes not int3\n", path,
	       (unsigned long long)t.nfunc, nsym, c.listed, c.exact, c.bounded, c.wrong,
	       c.bad_pad);
	CHECK(c.listed * 100 >= t.nfunc * 95);
	CHECK(!c.wrong && !c.bad_pad);
	free(f);
	go_pclntab_release(&t);
out:
	for (size_t i = 0; s && i < nsym; i++)
		free(s[i].name);
	free(s);
	elf_file__close(ef);
}

int main(void)
{
	const char *files = getenv("GO_PCLNTAB_FILES");

	elf_version(EV_CURRENT);
	check_layout(0xfffffffa);
	check_layout(0xfffffff0);
	check_layout(0xfffffff1);
	check_hostile();
	if (files) {
		char *list = strdup(files), *save = NULL;

		for (char *p = strtok_r(list, " ", &save); p; p = strtok_r(NULL, " ", &save))
			check_file(p);
		free(list);
	}
	return unit_failures ? 1 : 0;
}
