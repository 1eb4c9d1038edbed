// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: Go's function table (target/go_pclntab.c). The first byte
 * says how the rest is read: even, as a table alone (go_pclntab_parse(),
 * entries from 0x401000 when the header has no textStart, then every
 * function and the look-ups); odd, as an executable (a stripped Go one),
 * through go_pclntab_find_funcs() as target_file.c calls it: the section
 * or the header's magic in a segment, the text start from the header,
 * the moduledata or .text, each function found inside the file's code;
 * then *net.TCPConn's type descriptor from the moduledata (go_types.c).
 */
#include <errno.h>
#include <bpf/btf.h>
#include "fuzz.h"
#include "target/elf_file.h"
#include "target/go_pclntab.h"
#include "target/go_types.h"

static const char *const tls[] = { "crypto/tls.(*Conn).Read", "crypto/tls.(*Conn).Write",
				   "", "internal/cpu.Initialize" };
#define NR_TLS (sizeof(tls) / sizeof(tls[0]))

/* A layout's runtime.moduledata, as the DWARF encoder names it: Go 1.20
 * to 1.25's (1.27's itabs with ITABS), the word offsets of the fields read. */
static struct btf *layout(bool itabs)
{
	struct btf *btf = btf__new_empty();
	int w;

	if (!btf)
		abort();
	w = btf__add_int(btf, "uintptr", 8, 0);
	if (w < 0 || btf__add_struct(btf, "go_runtime__moduledata", 584) < 0 ||
	    btf__add_field(btf, "types", w, 37 * 64, 0) ||
	    btf__add_field(btf, "etypes", w, (itabs ? 39 : 38) * 64, 0) ||
	    (itabs ? btf__add_field(btf, "itaboffset", w, 40 * 64, 0) ||
			     btf__add_field(btf, "itabsize", w, 41 * 64, 0)
		   : btf__add_field(btf, "typelinks", w, 44 * 64, 0)))
		abort();
	return btf;
}

static void check_func(const struct go_pclntab *t, const struct go_func *f)
{
	FUZZ_ASSERT(f->entry < f->end && f->size <= f->end - f->entry);
	FUZZ_ASSERT(f->name >= (const char *)t->d && f->name_len < t->n &&
		    f->name + f->name_len < (const char *)t->d + t->n && !f->name[f->name_len]);
	FUZZ_ASSERT(!memchr(f->name, '\0', f->name_len));
}

static void fuzz_table(const uint8_t *data, size_t size)
{
	uint8_t *d = fuzz_copy(data, size);
	struct go_pclntab t;
	struct go_func f[NR_TLS], g;
	int err = go_pclntab_parse(&t, d, size, 0x401000);

	if (err) {
		FUZZ_ASSERT(err == -ENOENT || (err == -EINVAL && t.why));
		goto out;
	}
	FUZZ_ASSERT(t.nfunc > 0 && t.nfunc <= size);
	for (uint64_t i = 0; i < t.nfunc; i++) {
		if (go_pclntab_func(&t, i, &g)) {
			FUZZ_ASSERT(t.why);
			break;
		}
		check_func(&t, &g);
	}
	err = go_pclntab_find(&t, tls, NR_TLS, f);
	FUZZ_ASSERT(err == -EINVAL || (err >= 0 && (size_t)err <= NR_TLS));
	for (size_t i = 0; err > 0 && i < NR_TLS; i++) {
		if (f[i].entry)
			check_func(&t, &f[i]);
	}
	FUZZ_ASSERT(!f[2].entry || err < 0);
out:
	free(d);
}

static void fuzz_exe(const uint8_t *data, size_t size)
{
	int fd = fuzz_memfd(data, size, NULL, 0);
	struct elf_file *ef = elf_file__from_fd(fd);
	uint64_t offs[NR_TLS] = { 0 }, start, len, type;
	const char *why;
	uint8_t code;
	int n;

	if (!ef)
		return;
	n = go_pclntab_find_funcs(ef, tls, NR_TLS, offs, &why);
	FUZZ_ASSERT(n == -ENOENT || n == -ENOMEM || (n == -EINVAL && why) ||
		    (n >= 0 && (size_t)n <= NR_TLS));
	for (size_t i = 0; i < NR_TLS; i++) {
		if (!offs[i])
			continue;
		/* Found: code of the file, whose extent the return scan gets. */
		FUZZ_ASSERT(!elf_file__read_text(ef, offs[i], &code, 1));
		FUZZ_ASSERT(!elf_file__func_at(ef, offs[i], &start, &len) && start == offs[i]);
		FUZZ_ASSERT(!elf_file__read_text(ef, start + len - 1, &code, 1));
	}
	/* *net.TCPConn's type from the moduledata: inside the file's segments. */
	for (int itabs = 0; itabs < 2; itabs++) {
		static struct btf *btf[2];

		if (!btf[itabs])
			btf[itabs] = layout(itabs);
		n = go_types_find_ptr(ef, btf[itabs], "*net.TCPConn", &type, &why);
		FUZZ_ASSERT(n == -ENOENT || n == -ENOMEM ||
			    (!n && !elf_file__read_vaddr(ef, type, &code, 1)));
	}
	elf_file__close(ef);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		fuzz_exe(data + 1, size - 1);
	else
		fuzz_table(data + 1, size - 1);
	return 0;
}
