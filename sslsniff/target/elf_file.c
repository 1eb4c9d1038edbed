// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/fs_open.h"
#include "target/elf_file.h"
#include "lib/log.h"

struct elf_file {
	int fd;
	bool own_fd;
	Elf *elf;
	size_t nphdr;
	struct elf_extent *extra;	/* elf_file__add_func()'s */
	size_t nr_extra;
};

struct elf_extent {
	uint64_t start, size;
};

/* More than the functions a file hooks, each found once. */
#define ELF_EXTRA_MAX	64

/*
 * Bounds on what a file may make us read: a container's file is sparse
 * gigabytes as cheaply as a real library. No TLS library has a section of
 * more than a few tens of MB (node's .rodata: ~20 MB), nor more than
 * 0xff00 sections.
 */
#define ELF_SECTION_MAX	(256U << 20)
#define ELF_SHNUM_MAX	(1U << 20)

/*
 * Whether the section count is one libelf may allocate and read before
 * anything else: extended numbering takes it from section 0's sh_size,
 * 32 bits of it. Only x86-64's ELF64 is looked at; libelf refuses the rest.
 */
static bool elf_shnum_sane(int fd)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh0;
	uint64_t n;

	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return true;
	n = eh.e_shnum;
	if (!n && eh.e_shoff) {
		if (pread(fd, &sh0, sizeof(sh0), eh.e_shoff) != (ssize_t)sizeof(sh0))
			return true;	/* libelf finds it broken */
		n = sh0.sh_size;
	}
	return n <= ELF_SHNUM_MAX;
}

/* SCN's data, NULL for one larger than ELF_SECTION_MAX. */
static Elf_Data *elf_data(Elf_Scn *scn)
{
	GElf_Shdr sh;

	if (!scn || !gelf_getshdr(scn, &sh) ||
	    (sh.sh_type != SHT_NOBITS && sh.sh_size > ELF_SECTION_MAX))
		return NULL;
	return elf_getdata(scn, NULL);
}

/* Whether the string table NDX may be read (elf_strptr() reads it whole). */
static bool elf_strtab_ok(Elf *elf, size_t ndx)
{
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(elf, ndx);

	return scn && gelf_getshdr(scn, &sh) && sh.sh_size <= ELF_SECTION_MAX;
}

/*
 * Mapped (fast: node's 98 MB, attached between its exec and its first
 * call) when only root can change the file; else read, since whoever can
 * truncate it could turn the next access to a mapping into a SIGBUS. A
 * root-owned file of a container without a user namespace is still
 * mapped (docs/security.md).
 */
static Elf_Cmd elf_read_mode(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && st.st_uid == 0 && !(st.st_mode & 022) ? ELF_C_READ_MMAP
									 : ELF_C_READ;
}

struct elf_file *elf_file__from_fd(int fd)
{
	struct elf_file *ef;
	GElf_Ehdr ehdr;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return errno = ENOEXEC, NULL;
	ef = calloc(1, sizeof(*ef));
	if (!ef)
		return NULL;
	ef->fd = fd;
	if (!elf_shnum_sane(fd))
		goto err_free;
	ef->elf = elf_begin(ef->fd, elf_read_mode(fd), NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF || !gelf_getehdr(ef->elf, &ehdr))
		goto err_free;
	if (ehdr.e_type != ET_DYN && ehdr.e_type != ET_EXEC)
		goto err_free;
	if (elf_getphdrnum(ef->elf, &ef->nphdr))
		goto err_free;
	return ef;

err_free:
	if (ef->elf)
		elf_end(ef->elf);
	free(ef);
	errno = ENOEXEC;
	return NULL;
}

struct elf_file *elf_file__open(const char *path)
{
	struct elf_file *ef;
	int fd = fs_open(path);

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	ef = elf_file__from_fd(fd);
	if (!ef) {
		close(fd);
		errno = ENOEXEC;
		return NULL;
	}
	ef->own_fd = true;
	return ef;
}

int elf_file__fd(const struct elf_file *ef)
{
	return ef->fd;
}

void elf_file__close(struct elf_file *ef)
{
	if (!ef)
		return;
	elf_end(ef->elf);
	if (ef->own_fd)
		close(ef->fd);
	free(ef->extra);
	free(ef);
}

/* The executable PT_LOAD segment holding AT: an address (BY_VADDR) or a
 * file offset. */
static bool elf_exec_segment(struct elf_file *ef, uint64_t at, bool by_vaddr, GElf_Phdr *ph)
{
	for (size_t i = 0; i < ef->nphdr; i++) {
		uint64_t start;

		if (!gelf_getphdr(ef->elf, i, ph) || ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		start = by_vaddr ? ph->p_vaddr : ph->p_offset;
		if (at >= start && at - start < ph->p_filesz)
			return true;
	}
	return false;
}

/* uprobes take a file offset: translate the symbol's address through the
 * PT_LOAD segment that holds it. */
static uint64_t elf_vaddr_to_offset(struct elf_file *ef, uint64_t vaddr)
{
	GElf_Phdr ph;

	return elf_exec_segment(ef, vaddr, true, &ph) ? vaddr - ph.p_vaddr + ph.p_offset : 0;
}

int elf_file__read_text(struct elf_file *ef, uint64_t off, void *buf, size_t len)
{
	GElf_Phdr ph;
	ssize_t n;

	if (!elf_exec_segment(ef, off, false, &ph) || len > ph.p_filesz - (off - ph.p_offset))
		return -ERANGE;
	n = pread(ef->fd, buf, len, off);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static Elf_Scn *elf_find_symtab(struct elf_file *ef, Elf64_Word type, GElf_Shdr *shdr)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		if (gelf_getshdr(scn, shdr) && shdr->sh_type == type)
			return scn;
	}
	return NULL;
}

/* Calls FN for each named symbol of the first section of TYPE, until it returns true. */
static void elf_walk_symtab(struct elf_file *ef, Elf64_Word type,
			    bool (*fn)(const GElf_Sym *sym, const char *name, void *ctx), void *ctx)
{
	GElf_Shdr shdr;
	Elf_Scn *scn = elf_find_symtab(ef, type, &shdr);
	Elf_Data *data = scn && shdr.sh_entsize && elf_strtab_ok(ef->elf, shdr.sh_link)
				 ? elf_data(scn) : NULL;
	GElf_Sym sym;

	for (size_t i = 0; data && i < data->d_size / shdr.sh_entsize; i++) {
		const char *name;

		if (!gelf_getsym(data, i, &sym) || !sym.st_name)
			continue;
		name = elf_strptr(ef->elf, shdr.sh_link, sym.st_name);
		if (name && fn(&sym, name, ctx))
			return;
	}
}

/* NAME among the N of NAMES: its index, or N. The first byte first: node
 * exports ~10^5 symbols, and a program started later must be attached quickly. */
static size_t name_index(const char *name, const char *const *names, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++) {
		if (name[0] == names[j][0] && !strcmp(name, names[j]))
			break;
	}
	return j;
}

struct func_scan {
	struct elf_file *ef;
	const char *const *names;
	size_t n;
	uint64_t *offsets;
	int found;
};

static bool func_scan_sym(const GElf_Sym *sym, const char *name, void *ctx)
{
	struct func_scan *fs = ctx;
	int st = GELF_ST_TYPE(sym->st_info);
	size_t j;

	if (sym->st_shndx == SHN_UNDEF || !sym->st_value || (st != STT_FUNC && st != STT_GNU_IFUNC))
		return false;
	j = name_index(name, fs->names, fs->n);
	if (j < fs->n && !fs->offsets[j]) {
		fs->offsets[j] = elf_vaddr_to_offset(fs->ef, sym->st_value);
		fs->found += fs->offsets[j] != 0;
	}
	return false;
}

int elf_file__find_funcs(struct elf_file *ef, const char *const *names, size_t n,
			 uint64_t *offsets)
{
	struct func_scan fs = { .ef = ef, .names = names, .n = n, .offsets = offsets };

	memset(offsets, 0, n * sizeof(*offsets));
	elf_walk_symtab(ef, SHT_DYNSYM, func_scan_sym, &fs);
	/* .symtab only for a file that exports none of them (a --lib on a
	 * program linked without exports): node's holds ~10^5 symbols, and
	 * a program started later must be attached within milliseconds. */
	if (!fs.found)
		elf_walk_symtab(ef, SHT_SYMTAB, func_scan_sym, &fs);
	return fs.found;
}

struct import_scan {
	const char *const *names;
	size_t n;
	bool found;
};

static bool import_scan_sym(const GElf_Sym *sym, const char *name, void *ctx)
{
	struct import_scan *is = ctx;

	is->found = sym->st_shndx == SHN_UNDEF && name_index(name, is->names, is->n) < is->n;
	return is->found;
}

bool elf_file__imports_any(struct elf_file *ef, const char *const *names, size_t n)
{
	struct import_scan is = { .names = names, .n = n };

	elf_walk_symtab(ef, SHT_DYNSYM, import_scan_sym, &is);
	return is.found;
}

int elf_file__build_id(struct elf_file *ef, char *buf, size_t size)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		Elf_Data *data;
		GElf_Nhdr nhdr;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		data = elf_data(scn);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
			const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;

			if (nhdr.n_type != NT_GNU_BUILD_ID || nhdr.n_namesz != 4 ||
			    memcmp((const char *)data->d_buf + name_off, "GNU", 4) ||
			    !nhdr.n_descsz || nhdr.n_descsz * 2 + 1 > size)
				continue;
			for (size_t i = 0; i < nhdr.n_descsz; i++)
				snprintf(buf + 2 * i, 3, "%02x", desc[i]);
			return 0;
		}
	}
	return -ENOENT;
}

/* The strings of one section's data that hold NEEDLE, found with memmem:
 * a 98 MB static node has megabytes of them. */
static int elf_scan_strings(const char *d, size_t size, const char *needle, elf_string_fn fn,
			    void *ctx)
{
	size_t nlen = strlen(needle), i = 0;
	int err = 0;

	while (!err && i < size) {
		const char *hit = nlen ? memmem(d + i, size - i, needle, nlen) : d + i;
		const char *start, *nul;

		if (!hit)
			break;
		for (start = hit; start > d && start[-1]; start--)
			;
		nul = memchr(hit, '\0', size - (hit - d));
		if (!nul)
			break;	/* not terminated inside the section */
		if (nul > start)
			err = fn(start, nul - start, ctx);
		i = nul - d + 1;
	}
	return err;
}

int elf_file__for_each_string(struct elf_file *ef, const char *needle, elf_string_fn fn,
			      void *ctx)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	size_t shstrndx;
	int err = 0;

	if (elf_getshdrstrndx(ef->elf, &shstrndx) || !elf_strtab_ok(ef->elf, shstrndx))
		return -ENOEXEC;
	while (!err && (scn = elf_nextscn(ef->elf, scn))) {
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS)
			continue;
		name = elf_strptr(ef->elf, shstrndx, shdr.sh_name);
		if (!name || strncmp(name, ".rodata", 7) || (name[7] && name[7] != '.'))
			continue;
		data = elf_data(scn);
		if (data && data->d_buf)
			err = elf_scan_strings(data->d_buf, data->d_size, needle, fn, ctx);
	}
	return err;
}

/* The symbol whose JUMP_SLOT or GLOB_DAT relocation fills the GOT slot at VADDR. */
static int elf_got_symbol(struct elf_file *ef, uint64_t vaddr, GElf_Sym *sym)
{
	Elf_Scn *scn = NULL, *symscn;
	GElf_Shdr shdr;
	GElf_Rela rela;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		Elf_Data *data, *syms;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_RELA || !shdr.sh_entsize)
			continue;
		data = elf_data(scn);
		symscn = elf_getscn(ef->elf, shdr.sh_link);
		syms = elf_data(symscn);
		if (!data || !syms)
			continue;
		for (size_t i = 0; i < data->d_size / shdr.sh_entsize; i++) {
			if (!gelf_getrela(data, i, &rela) || rela.r_offset != vaddr)
				continue;
			if (GELF_R_TYPE(rela.r_info) != R_X86_64_JUMP_SLOT &&
			    GELF_R_TYPE(rela.r_info) != R_X86_64_GLOB_DAT)
				return -ENOENT;
			return gelf_getsym(syms, GELF_R_SYM(rela.r_info), sym) ? 0 : -ENOENT;
		}
	}
	return -ENOENT;
}

int elf_file__got_target(struct elf_file *ef, uint64_t code_off, uint64_t got_ref,
			 uint64_t *off)
{
	GElf_Phdr ph;
	GElf_Sym sym;

	/* Back to link-time addresses through the code's segment: rip-relative
	 * references keep its offset-to-address delta. */
	if (!elf_exec_segment(ef, code_off, false, &ph) ||
	    elf_got_symbol(ef, got_ref + (ph.p_vaddr - ph.p_offset), &sym))
		return -ENOENT;
	if (sym.st_shndx == SHN_UNDEF || !sym.st_value ||
	    (GELF_ST_TYPE(sym.st_info) != STT_FUNC))
		return -ENOENT;
	*off = elf_vaddr_to_offset(ef, sym.st_value);
	return *off ? 0 : -ENOENT;
}

const char *elf_file__needed(struct elf_file *ef, size_t want)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	GElf_Dyn dyn;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		Elf_Data *data;
		size_t n = 0;

		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_DYNAMIC || !shdr.sh_entsize)
			continue;
		data = elf_strtab_ok(ef->elf, shdr.sh_link) ? elf_data(scn) : NULL;
		if (!data)
			return NULL;
		for (size_t i = 0; i < data->d_size / shdr.sh_entsize; i++) {
			if (!gelf_getdyn(data, i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag == DT_NEEDED && n++ == want)
				return elf_strptr(ef->elf, shdr.sh_link, dyn.d_un.d_val);
		}
		return NULL;
	}
	return NULL;
}

struct func_at {
	struct elf_file *ef;
	uint64_t off;
	uint64_t start, size;
	bool found;
};

static bool func_at_sym(const GElf_Sym *sym, const char *name, void *ctx)
{
	struct func_at *fa = ctx;
	uint64_t start;

	(void)name;
	if (sym->st_shndx == SHN_UNDEF || !sym->st_value || !sym->st_size ||
	    GELF_ST_TYPE(sym->st_info) != STT_FUNC)
		return false;
	start = elf_vaddr_to_offset(fa->ef, sym->st_value);
	if (!start || fa->off < start || fa->off - start >= sym->st_size)
		return false;
	/* The region must be code in one segment: it is read as such. */
	if (elf_vaddr_to_offset(fa->ef, sym->st_value + sym->st_size - 1) !=
	    start + sym->st_size - 1)
		return false;
	fa->start = start;
	fa->size = sym->st_size;
	fa->found = true;
	return true;
}

int elf_file__func_at(struct elf_file *ef, uint64_t off, uint64_t *start, uint64_t *size)
{
	struct func_at fa = { .ef = ef, .off = off };

	elf_walk_symtab(ef, SHT_DYNSYM, func_at_sym, &fa);
	if (!fa.found)
		elf_walk_symtab(ef, SHT_SYMTAB, func_at_sym, &fa);
	for (size_t i = 0; !fa.found && i < ef->nr_extra; i++) {
		fa.start = ef->extra[i].start;
		fa.size = ef->extra[i].size;
		fa.found = off >= fa.start && off - fa.start < fa.size;
	}
	if (!fa.found)
		return -ENOENT;
	*start = fa.start;
	*size = fa.size;
	return 0;
}

int elf_file__read_vaddr(struct elf_file *ef, uint64_t vaddr, void *buf, size_t len)
{
	GElf_Phdr ph;
	ssize_t n;

	for (size_t i = 0; i < ef->nphdr; i++) {
		if (!gelf_getphdr(ef->elf, i, &ph) || ph.p_type != PT_LOAD ||
		    vaddr < ph.p_vaddr || vaddr - ph.p_vaddr >= ph.p_filesz)
			continue;
		if (len > ph.p_filesz - (vaddr - ph.p_vaddr))
			return -ERANGE;
		n = pread(ef->fd, buf, len, ph.p_offset + (vaddr - ph.p_vaddr));
		if (n < 0)
			return -errno;
		return (size_t)n == len ? 0 : -EIO;
	}
	return -ERANGE;
}

int elf_file__read_ref(struct elf_file *ef, uint64_t code_off, uint64_t ref, void *buf,
		       size_t len)
{
	GElf_Phdr ph;

	if (!elf_exec_segment(ef, code_off, false, &ph))
		return -ERANGE;
	return elf_file__read_vaddr(ef, ref + (ph.p_vaddr - ph.p_offset), buf, len);
}

int elf_file__section(struct elf_file *ef, const char *name, uint64_t *vaddr, uint64_t *size)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr shdr;
	size_t shstrndx;
	const char *n;

	if (elf_getshdrstrndx(ef->elf, &shstrndx) || !elf_strtab_ok(ef->elf, shstrndx))
		return -ENOENT;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_PROGBITS)
			continue;
		n = elf_strptr(ef->elf, shstrndx, shdr.sh_name);
		if (!n || strcmp(n, name))
			continue;
		*vaddr = shdr.sh_addr;
		*size = shdr.sh_size;
		return 0;
	}
	return -ENOENT;
}

size_t elf_file__nr_segments(const struct elf_file *ef)
{
	return ef->nphdr;
}

int elf_file__segment(struct elf_file *ef, size_t i, uint64_t *vaddr, uint64_t *filesz,
		      unsigned int *flags)
{
	GElf_Phdr ph;

	if (i >= ef->nphdr || !gelf_getphdr(ef->elf, i, &ph) || ph.p_type != PT_LOAD)
		return -ENOENT;
	*vaddr = ph.p_vaddr;
	*filesz = ph.p_filesz;
	*flags = (ph.p_flags & PF_X ? ELF_SEG_X : 0) | (ph.p_flags & PF_W ? ELF_SEG_W : 0);
	return 0;
}

uint64_t elf_file__code_offset(struct elf_file *ef, uint64_t vaddr)
{
	return elf_vaddr_to_offset(ef, vaddr);
}

int elf_file__add_func(struct elf_file *ef, uint64_t start, uint64_t size)
{
	GElf_Phdr ph;
	struct elf_extent *e;

	if (!size || !elf_exec_segment(ef, start, false, &ph) ||
	    size > ph.p_filesz - (start - ph.p_offset))
		return -ERANGE;
	if (ef->nr_extra == ELF_EXTRA_MAX)
		return -ENOMEM;
	e = realloc(ef->extra, (ef->nr_extra + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	ef->extra = e;
	e[ef->nr_extra++] = (struct elf_extent){ start, size };
	return 0;
}

struct sym_value {
	const char *name;
	uint64_t value;
	bool found;
};

static bool sym_value_sym(const GElf_Sym *sym, const char *name, void *ctx)
{
	struct sym_value *sv = ctx;

	if (sym->st_shndx == SHN_UNDEF || !sym->st_value || strcmp(name, sv->name))
		return false;
	sv->value = sym->st_value;
	sv->found = true;
	return true;
}

int elf_file__symbol(struct elf_file *ef, const char *name, uint64_t *value)
{
	struct sym_value sv = { .name = name };

	elf_walk_symtab(ef, SHT_SYMTAB, sym_value_sym, &sv);
	if (!sv.found)
		return -ENOENT;
	*value = sv.value;
	return 0;
}

int elf_file__text_vaddr(struct elf_file *ef, uint64_t off, uint64_t *vaddr)
{
	GElf_Phdr ph;

	if (!elf_exec_segment(ef, off, false, &ph))
		return -ERANGE;
	*vaddr = off - ph.p_offset + ph.p_vaddr;
	return 0;
}
