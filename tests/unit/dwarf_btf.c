// SPDX-License-Identifier: GPL-2.0
/*
 * DWARF to BTF: the structs below are encoded from this binary's own DWARF
 * (the unit tests are built with -g) and checked against offsetof(),
 * sizeof() and bit-fields located in memory; then bad, truncated and
 * corrupted files must give a clean error.
 *
 * With arguments it is the driver tests/t-dwarf-btf.sh uses:
 *   dwarf_btf gen ELF OUT ROOT...    dwarf_btf_generate()
 *   dwarf_btf find ELF [DEBUG_ROOT]  dwarf_btf_find_debug_in()
 *   dwarf_btf dump BTF ROOT...       every member of ROOT, embedded ones
 *                                    too: path, bit offset, bit-field size,
 *                                    byte size, kind of the resolved type
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btf/dwarf_btf.h"
#include "unit.h"

/* ---- The fixture: every shape the encoder handles ---- */

enum fx_small { FX_NEG = -2, FX_POS = 200 };
enum fx_wide { FX_WIDE = 0x1ffffffffULL };
enum fx_unsigned { FX_TOP = 0xffffffffu };

struct fx_inner {
	short s;
	char tag[3];
};
typedef struct fx_inner fx_inner_t;

/* Defined, but only pointed at: a FWD in the output. */
struct fx_other {
	int x;
};

struct fx_root {
	char c;
	unsigned int bf1 : 3;
	unsigned int bf2 : 7;
	signed int bf3 : 20;
	long long ll;
	_Atomic int refs;
	_Atomic(struct fx_inner *) aptr;
	fx_inner_t inner;
	struct fx_inner arr2d[2][3];
	union {
		int u_i;
		float u_f;
	};
	struct {
		char a;
		int b : 5;
	} anon_s;
	enum fx_small small : 9;
	enum fx_wide wide;
	enum fx_unsigned top;
	struct fx_other *other;
	struct fx_root *self;
	int (*fn)(struct fx_root *, int);
	const volatile unsigned char cv;
	double d;
	long double ld;
	_Bool b;
	_Complex double cplx;
	const char *name;
	int flex[];
};

/* A root by its typedef's name: complete, though only pointed at. */
struct fx_named {
	long n;
};
typedef struct fx_named fx_named_t;

struct fx_root2 {
	struct fx_root *r;
	fx_named_t *np;
	unsigned long u;
	int zero[0];
};

/* Globals: the compiler emits DWARF for the types of what exists. */
struct fx_root fx_root_var;
struct fx_root2 fx_root2_var;
struct fx_other fx_other_var;

static const char *const fx_roots[] = { "fx_root", "fx_root2", "fx_no_such_struct", "fx_named_t",
					NULL };

/* ---- Reading the BTF back ---- */

static const struct btf_type *find_struct(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	return id > 0 ? btf__type_by_id(btf, id) : NULL;
}

/* Member NAME of T, looking into anonymous members; bit offset in *OFF. */
static const struct btf_member *find_member(const struct btf *btf, const struct btf_type *t,
					    const char *name, uint32_t *off)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		uint32_t base = btf_member_bit_offset(t, i);

		if (n && !strcmp(n, name)) {
			*off = base;
			return m;
		}
		if (!n || !*n) {
			const struct btf_type *a = btf__type_by_id(btf, m->type);
			const struct btf_member *in;

			if (a && btf_is_composite(a) && (in = find_member(btf, a, name, off))) {
				*off += base;
				return in;
			}
		}
	}
	return NULL;
}

/* Where a bit-field lives, found by setting it in a zeroed object. */
static void bits_in_memory(const void *obj, size_t size, uint32_t *first, uint32_t *count)
{
	const unsigned char *p = obj;

	*first = UINT32_MAX;
	*count = 0;
	for (size_t i = 0; i < size * 8; i++) {
		if (!(p[i / 8] & (1u << (i % 8))))
			continue;
		if (*first == UINT32_MAX)
			*first = i;
		(*count)++;
	}
}

#define CHECK_OFF(btf, st, type, member)                                                    \
	do {                                                                                \
		uint32_t off_ = UINT32_MAX;                                                 \
		CHECK(find_member(btf, st, #member, &off_));                                \
		if (off_ != offsetof(type, member) * 8)                                     \
			printf("  %s: bit offset %u, offsetof %zu\n", #member, off_,        \
			       offsetof(type, member));                                     \
		CHECK(off_ == offsetof(type, member) * 8);                                  \
	} while (0)

#define CHECK_BITFIELD(btf, st, member, value)                                              \
	do {                                                                                \
		struct fx_root o_;                                                          \
		uint32_t off_ = UINT32_MAX, first_, count_;                                 \
		const struct btf_member *m_;                                                \
		memset(&o_, 0, sizeof(o_));                                                 \
		o_.member = value;                                                          \
		bits_in_memory(&o_, sizeof(o_), &first_, &count_);                          \
		m_ = find_member(btf, st, #member, &off_);                                  \
		CHECK(m_ && btf_kflag(st));                                                 \
		CHECK(off_ == first_);                                                      \
		CHECK(m_ && BTF_MEMBER_BITFIELD_SIZE(m_->offset) == count_);                \
	} while (0)

/* The type of member NAME of struct ST, typedefs and qualifiers skipped. */
static const struct btf_type *member_type(const struct btf *btf, const struct btf_type *st,
					  const char *name, int *id)
{
	uint32_t off;
	const struct btf_member *m = find_member(btf, st, name, &off);

	*id = m ? btf__resolve_type(btf, m->type) : -1;
	return *id >= 0 ? btf__type_by_id(btf, *id) : NULL;
}

static void check_fixture_types(const struct btf *btf, const struct btf_type *st)
{
	const struct btf_type *t, *p;
	int id;

	t = member_type(btf, st, "refs", &id);	/* _Atomic int is int */
	CHECK(t && btf_is_int(t) && t->size == 4);
	t = member_type(btf, st, "aptr", &id);
	p = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	CHECK(p && btf_is_struct(p));	/* embedded elsewhere: complete */
	t = member_type(btf, st, "other", &id);	/* not a root: FWD */
	p = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
	CHECK(p && btf_is_fwd(p));
	t = member_type(btf, st, "self", &id);	/* a root: itself */
	CHECK(t && btf_is_ptr(t) && btf__type_by_id(btf, t->type) == st);
	t = member_type(btf, st, "fn", &id);	/* function pointer: void * */
	CHECK(t && btf_is_ptr(t) && t->type == 0);
	t = member_type(btf, st, "arr2d", &id);
	CHECK(t && btf_is_array(t) && btf_array(t)->nelems == 2);
	p = t ? btf__type_by_id(btf, btf_array(t)->type) : NULL;
	CHECK(p && btf_is_array(p) && btf_array(p)->nelems == 3);
	t = member_type(btf, st, "wide", &id);
	CHECK(t && btf_is_enum64(t) && t->size == sizeof(enum fx_wide));
	CHECK(t && btf_vlen(t) == 1 && btf_enum64_value(btf_enum64(t)) == FX_WIDE);
	t = member_type(btf, st, "small", &id);
	CHECK(t && btf_is_enum(t) && btf_vlen(t) == 2 && btf_kflag(t));
	CHECK(t && btf_vlen(t) == 2 && btf_enum(t)[0].val == FX_NEG && btf_enum(t)[1].val == FX_POS);
	t = member_type(btf, st, "top", &id);
	CHECK(t && btf_is_enum(t) && (uint32_t)btf_enum(t)[0].val == FX_TOP && !btf_kflag(t));
	t = member_type(btf, st, "flex", &id);
	CHECK(t && btf_is_array(t) && btf_array(t)->nelems == 0);
	t = member_type(btf, st, "d", &id);
	CHECK(t && btf_is_float(t) && t->size == 8);
	t = member_type(btf, st, "cplx", &id);
	CHECK(t && btf__resolve_size(btf, id) == sizeof(_Complex double));
}

static void check_fixture(const char *out)
{
	struct btf *btf = btf__parse(out, NULL);
	const struct btf_type *st, *st2;
	int id;

	CHECK(btf);
	if (!btf)
		return;
	st = find_struct(btf, "fx_root");
	st2 = find_struct(btf, "fx_root2");
	CHECK(st && st->size == sizeof(struct fx_root));
	CHECK(st2 && st2->size == sizeof(struct fx_root2));
	CHECK(btf__find_by_name_kind(btf, "fx_no_such_struct", BTF_KIND_STRUCT) < 0);
	/* Only pointed at: no complete fx_other. */
	CHECK(btf__find_by_name_kind(btf, "fx_other", BTF_KIND_STRUCT) < 0);
	if (!st || !st2)
		goto out;
	CHECK_OFF(btf, st, struct fx_root, c);
	CHECK_OFF(btf, st, struct fx_root, ll);
	CHECK_OFF(btf, st, struct fx_root, refs);
	CHECK_OFF(btf, st, struct fx_root, aptr);
	CHECK_OFF(btf, st, struct fx_root, inner);
	CHECK_OFF(btf, st, struct fx_root, arr2d);
	CHECK_OFF(btf, st, struct fx_root, u_i);
	CHECK_OFF(btf, st, struct fx_root, u_f);
	CHECK_OFF(btf, st, struct fx_root, anon_s);
	CHECK_OFF(btf, st, struct fx_root, wide);
	CHECK_OFF(btf, st, struct fx_root, other);
	CHECK_OFF(btf, st, struct fx_root, self);
	CHECK_OFF(btf, st, struct fx_root, fn);
	CHECK_OFF(btf, st, struct fx_root, cv);
	CHECK_OFF(btf, st, struct fx_root, ld);
	CHECK_OFF(btf, st, struct fx_root, b);
	CHECK_OFF(btf, st, struct fx_root, cplx);
	CHECK_OFF(btf, st, struct fx_root, name);
	CHECK_OFF(btf, st, struct fx_root, flex);
	CHECK_OFF(btf, st2, struct fx_root2, u);
	CHECK_OFF(btf, st2, struct fx_root2, zero);
	CHECK_BITFIELD(btf, st, bf1, 7);
	CHECK_BITFIELD(btf, st, bf2, 127);
	CHECK_BITFIELD(btf, st, bf3, -1);
	CHECK_BITFIELD(btf, st, small, (enum fx_small)-1);
	{
		/* A bit-field inside an anonymous struct type. */
		const struct btf_type *a = member_type(btf, st, "anon_s", &id);
		uint32_t off = 0;
		const struct btf_member *m = a ? find_member(btf, a, "b", &off) : NULL;

		CHECK(m && off == 8 && BTF_MEMBER_BITFIELD_SIZE(m->offset) == 5 && btf_kflag(a));
	}
	check_fixture_types(btf, st);
	{
		const struct btf_type *t = member_type(btf, st2, "np", &id), *p;

		p = t && btf_is_ptr(t) ? btf__type_by_id(btf, t->type) : NULL;
		CHECK(p && btf_is_typedef(p));
		p = p ? btf__type_by_id(btf, p->type) : NULL;
		CHECK(p && btf_is_struct(p) && p->size == sizeof(struct fx_named));
	}
	id = btf__find_by_name_kind(btf, "fx_inner", BTF_KIND_STRUCT);
	CHECK(id > 0 && btf__resolve_size(btf, id) == sizeof(struct fx_inner));
out:
	btf__free(btf);
}

/* ---- Files that must fail cleanly ---- */

/* File offset and size of section NAME in the image BUF. */
static bool section_range(const char *path, const char *name, size_t *off, size_t *size)
{
	int fd = open(path, O_RDONLY);
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;
	bool found = false;

	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && !elf_getshdrstrndx(elf, &shstrndx)) {
		while (!found && (scn = elf_nextscn(elf, scn))) {
			const char *n;

			if (!gelf_getshdr(scn, &sh) || !(n = elf_strptr(elf, shstrndx, sh.sh_name)))
				continue;
			found = !strcmp(n, name);
		}
	}
	if (found) {
		*off = sh.sh_offset;
		*size = sh.sh_size;
	}
	elf_end(elf);
	close(fd);
	return found;
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

/* Bytes of .debug_info and .debug_abbrev flipped: errors, not crashes. */
static void check_corrupt(const char *self, const char *bad, const char *out)
{
	size_t len, info_off, info_size, abbrev_off, abbrev_size;
	uint8_t *orig = unit_read_file(self, &len), *buf;
	const char *const roots[] = { "fx_root", "fx_root2", "elf_file", "btf", NULL };
	int ok = 0;

	CHECK(orig);
	if (!orig || !section_range(self, ".debug_info", &info_off, &info_size) ||
	    !section_range(self, ".debug_abbrev", &abbrev_off, &abbrev_size) ||
	    info_off + info_size > len || abbrev_off + abbrev_size > len) {
		CHECK(!"no .debug_info in the unit binary");
		free(orig);
		return;
	}
	buf = malloc(len);
	for (int round = 0; buf && round < 60; round++) {
		memcpy(buf, orig, len);
		for (int i = 0; i < 1 + round % 8; i++) {
			if (round % 3 == 0)
				buf[abbrev_off + rnd() % abbrev_size] ^= 1 + rnd() % 255;
			else
				buf[info_off + rnd() % info_size] ^= 1 + rnd() % 255;
		}
		unit_write_file(bad, buf, len);
		ok += dwarf_btf_generate(bad, roots, out) == 0;
	}
	printf("corrupt DWARF: %d of 60 copies still encoded\n", ok);
	/* Truncated: the section headers (at the end) or the DWARF cut off. */
	for (size_t cut = 0; cut < 6; cut++) {
		size_t n = cut ? len / 6 * cut : 64;

		unit_write_file(bad, orig, n);
		CHECK(dwarf_btf_generate(bad, roots, out) < 0);
		CHECK(dwarf_btf_find_debug(bad, (char[PATH_MAX]){ 0 }, PATH_MAX) < 0);
	}
	free(buf);
	free(orig);
}

static void check_bad_files(const char *dir, const char *out)
{
	char path[PATH_MAX], found[PATH_MAX];
	const char *lib = "/lib/x86_64-linux-gnu/libssl.so.3";

	snprintf(path, sizeof(path), "%s/empty", dir);
	unit_write_file(path, "", 0);
	CHECK(dwarf_btf_generate(path, fx_roots, out) < 0);
	CHECK(dwarf_btf_find_debug(path, found, sizeof(found)) == -ENOEXEC);
	snprintf(path, sizeof(path), "%s/text", dir);
	unit_write_file(path, "not an ELF file\n", 16);
	CHECK(dwarf_btf_generate(path, fx_roots, out) == -ENOEXEC);
	CHECK(dwarf_btf_find_debug(path, found, sizeof(found)) == -ENOEXEC);
	CHECK(dwarf_btf_generate("/no/such/file", fx_roots, out) < 0);
	CHECK(dwarf_btf_generate(dir, fx_roots, out) == -ENOEXEC);	/* a directory */
	if (!access(lib, R_OK)) {
		/* Stripped: no DWARF, and none under an empty debug root. */
		CHECK(dwarf_btf_generate(lib, fx_roots, out) == -ENOENT);
		CHECK(dwarf_btf_find_debug_in(lib, dir, found, sizeof(found)) == -ENOENT);
	}
	CHECK(access(out, F_OK) && errno == ENOENT);	/* nothing half-written */
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static int remove_scratch(const char *dir)
{
	static const char *const files[] = { "out.btf", "bad", "empty", "text" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	return rmdir(dir);
}

/* ---- Driver for tests/t-dwarf-btf.sh ---- */

static const char *kind_name(const struct btf_type *t)
{
	static const char *const names[] = {
		"void", "int", "ptr", "array", "struct", "union", "enum", "fwd", "typedef",
		"volatile", "const", "restrict", "func", "func_proto", "var", "datasec",
		"float", "decl_tag", "type_tag", "enum64",
	};

	return t && btf_kind(t) < sizeof(names) / sizeof(names[0]) ? names[btf_kind(t)] : "?";
}

/* pahole flattens int a[2][3] into a[6]; we keep the dimensions. */
static void dump_array(const struct btf *btf, const struct btf_type *t)
{
	unsigned long long n = 1;

	while (t && btf_is_array(t)) {
		n *= btf_array(t)->nelems;
		t = btf__type_by_id(btf, btf__resolve_type(btf, btf_array(t)->type));
	}
	printf(" nelems=%llu of %s", n, kind_name(t));
}

static void dump_members(const struct btf *btf, const char *prefix, int id, uint32_t base)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);
	char path[1024];

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *n = btf__name_by_offset(btf, m->name_off);
		int rid = btf__resolve_type(btf, m->type);
		const struct btf_type *rt = rid >= 0 ? btf__type_by_id(btf, rid) : NULL;
		uint32_t off = base + btf_member_bit_offset(t, i);

		snprintf(path, sizeof(path), "%s.%s", prefix, n && *n ? n : "(anon)");
		printf("%s off=%u bits=%u size=%lld %s", path, off, btf_member_bitfield_size(t, i),
		       (long long)btf__resolve_size(btf, m->type), kind_name(rt));
		if (rt && btf_is_array(rt))
			dump_array(btf, rt);
		printf("\n");
		if (rt && btf_is_composite(rt))
			dump_members(btf, path, rid, off);
	}
}

static void dump_enum(const struct btf *btf, const char *prefix, const struct btf_type *t)
{
	const struct btf_enum *e = btf_enum(t);

	for (int i = 0; i < btf_vlen(t); i++, e++)
		printf("%s.%s val=%d\n", prefix, btf__name_by_offset(btf, e->name_off), e->val);
}

static int dump(const char *file, char **roots)
{
	struct btf *btf = btf__parse(file, NULL);
	int rc = 0;

	if (!btf) {
		fprintf(stderr, "dump: '%s': %s\n", file, strerror(errno));
		return 1;
	}
	for (; *roots; roots++) {
		int id = btf__find_by_name_kind(btf, *roots, BTF_KIND_STRUCT);

		if (id < 0)
			id = btf__find_by_name_kind(btf, *roots, BTF_KIND_UNION);
		/* A root known only by its typedef (GnuTLS's alpn_ext_st, extensions_t). */
		if (id < 0 && (id = btf__find_by_name_kind(btf, *roots, BTF_KIND_TYPEDEF)) >= 0)
			id = btf__resolve_type(btf, id);
		if (id < 0 || !(btf_is_composite(btf__type_by_id(btf, id)) ||
				btf_is_enum(btf__type_by_id(btf, id)))) {
			printf("%s missing\n", *roots);
			rc = 1;
			continue;
		}
		printf("%s size=%u\n", *roots, btf__type_by_id(btf, id)->size);
		if (btf_is_enum(btf__type_by_id(btf, id)))
			dump_enum(btf, *roots, btf__type_by_id(btf, id));
		else
			dump_members(btf, *roots, id, 0);
	}
	btf__free(btf);
	return rc;
}

static int driver(int argc, char **argv)
{
	char path[PATH_MAX];
	int err;

	if (!strcmp(argv[1], "gen") && argc >= 5) {
		err = dwarf_btf_generate(argv[2], (const char *const *)argv + 4, argv[3]);
		if (err)
			fprintf(stderr, "gen: '%s': %s\n", argv[2], strerror(-err));
		return err ? 1 : 0;
	}
	if (!strcmp(argv[1], "find") && argc >= 3) {
		err = dwarf_btf_find_debug_in(argv[2], argc > 3 ? argv[3] : NULL, path, sizeof(path));
		if (err) {
			fprintf(stderr, "find: '%s': %s\n", argv[2], strerror(-err));
			return 1;
		}
		printf("%s\n", path);
		return 0;
	}
	if (!strcmp(argv[1], "dump") && argc >= 4)
		return dump(argv[2], argv + 3);
	fprintf(stderr, "usage: dwarf_btf gen ELF OUT ROOT... | find ELF [DEBUG_ROOT] | "
			"dump BTF ROOT...\n");
	return 2;
}

/* Go's type names made C identifiers; type literals have none. */
static void check_go_names(void)
{
	static const char *const ok[][2] = {
		{ "crypto/tls.Conn", "go_crypto_tls__Conn" },
		{ "net.netFD", "go_net__netFD" },
		{ "internal/poll.FD", "go_internal_poll__FD" },
		{ "runtime._type", "go_runtime___type" },
		{ "string", "go_string" },
		{ "golang.org/x/net/http2.Framer", "go_golang_org_x_net_http2__Framer" },
		{ "example.com/my-pkg/v2.T_1", "go_example_com_my_pkg_v2__T_1" },
	};
	static const char *const bad[] = { "", "[]uint8", "*net.TCPConn", "map[string]int",
					   "func(string) error", "hchan<int>", "interface {}",
					   "sync/atomic.Pointer[net.conn]", "a.b.c", "net.", ".T",
					   "a/b", "caf\xc3\xa9.T", "struct { a int }" };
	char out[DWARF_BTF_NAME_MAX], small[8];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK(dwarf_btf_go_name(ok[i][0], out, sizeof(out)) == 0);
		CHECK_STR(out, ok[i][1]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(dwarf_btf_go_name(bad[i], out, sizeof(out)) == -EINVAL);
	CHECK(dwarf_btf_go_name("net.netFD", small, sizeof(small)) == -ENAMETOOLONG);
	CHECK(dwarf_btf_go_name("int", small, sizeof(small)) == 0);
	CHECK_STR(small, "go_int");
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], dir[] = "/tmp/sslsniff-unit-dwarf-XXXXXX", out[PATH_MAX + 16];
	char bad[PATH_MAX + 16], found[PATH_MAX];
	ssize_t n;
	int fds;

	if (argc > 1)
		return driver(argc, argv);
	libbpf_set_print(NULL);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CHECK(n > 0 && mkdtemp(dir));
	if (n <= 0)
		UNIT_DONE("dwarf_btf");
	self[n] = '\0';
	snprintf(out, sizeof(out), "%s/out.btf", dir);
	snprintf(bad, sizeof(bad), "%s/bad", dir);

	check_go_names();
	check_bad_files(dir, out);
	if (dwarf_btf_find_debug(self, found, sizeof(found)) || strcmp(found, self)) {
		/* tests/run counts exit 2 as a skip. */
		printf("dwarf_btf: this binary has no DWARF (CFLAGS without -g): skipped\n");
		remove_scratch(dir);
		return unit_failures ? 1 : 2;
	}
	{
		const char *const none[] = { "fx_no_such_struct", NULL };

		CHECK(dwarf_btf_generate(self, none, out) == -ENOENT);
	}
	fds = count_fds();
	CHECK(dwarf_btf_generate(self, fx_roots, out) == 0);
	CHECK(count_fds() == fds);	/* libdwfl closes only what it opened */
	check_fixture(out);
	check_corrupt(self, bad, out);

	CHECK(!remove_scratch(dir));
	UNIT_DONE("dwarf_btf");
}
