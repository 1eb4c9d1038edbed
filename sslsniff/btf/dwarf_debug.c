// SPDX-License-Identifier: GPL-2.0
/*
 * Which file carries a library's DWARF: itself, or a separate debug file
 * found by build-id or .gnu_debuglink (dwarf_btf.h). The library and its
 * debug tree may belong to an untrusted container.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <gelf.h>
#include <zlib.h>
#include "btf/dwarf_btf.h"
#include "lib/fs_open.h"

#define DEBUG_ROOT	"/usr/lib/debug"
/* A debug file, and the notes and names read from one, are never larger:
 * a container's could be sparse gigabytes (dwarf_layout.c copies at most
 * as much). */
#define DEBUG_FILE_MAX	(256U << 20)
#define SMALL_SECTION_MAX	(1U << 20)

/* What the debug-file search needs to know of one ELF file. */
struct elf_facts {
	bool has_dwarf;
	char build_id[129];
	char link[256];
	bool has_link;
	uint32_t link_crc;
};

static bool section_has_data(GElf_Shdr *sh)
{
	return sh->sh_type != SHT_NOBITS && sh->sh_size > 0;
}

static void read_build_id(Elf_Data *data, struct elf_facts *f)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		const unsigned char *desc = (const unsigned char *)data->d_buf + desc_off;

		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 || nh.n_descsz < 2 ||
		    nh.n_descsz > 64 || memcmp((const char *)data->d_buf + name_off, "GNU", 4))
			continue;
		for (size_t i = 0; i < nh.n_descsz; i++)
			snprintf(f->build_id + 2 * i, 3, "%02x", desc[i]);
		return;
	}
}

/* .gnu_debuglink: a file name, NUL, padding to 4, the file's CRC-32. */
static void read_debuglink(Elf *elf, Elf_Data *data, struct elf_facts *f)
{
	const char *s = data->d_buf;
	size_t len, crc_off;
	GElf_Ehdr eh;
	uint32_t crc;

	if (!s || !gelf_getehdr(elf, &eh))
		return;
	len = strnlen(s, data->d_size);
	crc_off = (len + 4) & ~(size_t)3;
	/* A bare name: one with a '/' could point anywhere. */
	if (!len || len >= sizeof(f->link) || crc_off + 4 > data->d_size || memchr(s, '/', len) ||
	    !strcmp(s, ".."))
		return;
	memcpy(f->link, s, len + 1);
	memcpy(&crc, s + crc_off, 4);
	if ((eh.e_ident[EI_DATA] == ELFDATA2MSB) != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__))
		crc = __builtin_bswap32(crc);
	f->link_crc = crc;
	f->has_link = true;
}

static int read_facts(Elf *elf, struct elf_facts *f)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx) ||
	    !(scn = elf_getscn(elf, shstrndx)) || !gelf_getshdr(scn, &sh) ||
	    sh.sh_size > SMALL_SECTION_MAX)
		return -ENOEXEC;
	scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || !section_has_data(&sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name)
			continue;
		if (!strcmp(name, ".debug_info") || !strcmp(name, ".zdebug_info")) {
			f->has_dwarf = true;
			continue;
		}
		if ((sh.sh_type != SHT_NOTE && strcmp(name, ".gnu_debuglink")) ||
		    sh.sh_size > SMALL_SECTION_MAX)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			continue;
		if (sh.sh_type == SHT_NOTE && !f->build_id[0])
			read_build_id(data, f);
		else if (sh.sh_type != SHT_NOTE)
			read_debuglink(elf, data, f);
	}
	return 0;
}

static int elf_facts(const char *path, struct elf_facts *f)
{
	int fd = fs_open(path), err;
	Elf *elf;

	memset(f, 0, sizeof(*f));
	if (fd < 0)
		return fd;
	elf_version(EV_CURRENT);
	/* Read, not mapped: its owner may truncate it under a mapping (SIGBUS). */
	elf = elf_begin(fd, ELF_C_READ, NULL);
	err = elf ? read_facts(elf, f) : -ENOEXEC;
	elf_end(elf);
	close(fd);
	return err;
}

static int file_crc(const char *path, uint32_t *crc)
{
	unsigned char buf[65536];
	int fd = fs_open(path);
	uLong c = crc32(0, Z_NULL, 0);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || (uint64_t)st.st_size > DEBUG_FILE_MAX) {
		close(fd);
		return -EFBIG;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			c = crc32(c, buf, n);
	close(fd);
	*crc = c;
	return n < 0 ? -EIO : 0;
}

/* A debug file for WANT: DWARF, and the same build (build-id, else CRC). */
static bool debug_file_ok(const char *path, const struct elf_facts *want)
{
	struct elf_facts f;
	uint32_t crc;

	if (elf_facts(path, &f) || !f.has_dwarf)
		return false;
	if (want->build_id[0])
		return !strcmp(f.build_id, want->build_id);
	return want->has_link && !file_crc(path, &crc) && crc == want->link_crc;
}

static int try_path(char *out, size_t size, const struct elf_facts *want, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int try_path(char *out, size_t size, const struct elf_facts *want, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return debug_file_ok(out, want) ? 0 : -ENOENT;
}

/* "/proc/PID/root/usr/lib" -> "/usr/lib": the directory as the
 * container's own debug tree names it. */
static const char *in_root_dir(const char *dir)
{
	const char *p;

	if (strncmp(dir, "/proc/", 6))
		return dir;
	p = dir + 6 + strspn(dir + 6, "0123456789");
	if (p == dir + 6 || strncmp(p, "/root/", 6))
		return dir;
	return p + 5;
}

static int find_by_link(const char *elf_path, const char *root, const struct elf_facts *f,
			char *out, size_t size)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(elf_path, '/');
	int err;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - elf_path) >= sizeof(dir))
		return -ENAMETOOLONG;
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - elf_path), elf_path);
	err = try_path(out, size, f, "%s/%s", dir, f->link);
	if (err == -ENOENT)
		err = try_path(out, size, f, "%s/.debug/%s", dir, f->link);
	if (err == -ENOENT && dir[0] == '/')
		err = try_path(out, size, f, "%s%s/%s", root, in_root_dir(dir), f->link);
	return err;
}

/* FACTS_PATH opens the file, ELF_PATH is where it is (for its debuglink). */
static int find_debug(const char *facts_path, const char *elf_path, const char *debug_root,
		      char *out, size_t size)
{
	struct elf_facts f;
	int err;

	if (!debug_root)
		debug_root = getenv("SSLSNIFF_DEBUG_DIR") ?: DEBUG_ROOT;
	err = elf_facts(facts_path, &f);
	if (err)
		return err;
	if (f.has_dwarf) {
		if (snprintf(out, size, "%s", facts_path) >= (int)size)
			return -ENAMETOOLONG;
		return 0;
	}
	err = -ENOENT;
	if (f.build_id[0])
		err = try_path(out, size, &f, "%s/.build-id/%.2s/%s.debug", debug_root, f.build_id,
			       f.build_id + 2);
	if (err == -ENOENT && f.has_link)
		err = find_by_link(elf_path, debug_root, &f, out, size);
	return err;
}

int dwarf_btf_find_debug_in(const char *elf_path, const char *debug_root, char *out,
			    size_t size)
{
	return find_debug(elf_path, elf_path, debug_root, out, size);
}

int dwarf_btf_find_debug_fd(int fd, const char *elf_path, const char *debug_root, char *out,
			    size_t size)
{
	char self[32];

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	return find_debug(self, elf_path, debug_root, out, size);
}

int dwarf_btf_find_debug(const char *elf_path, char *out, size_t size)
{
	return dwarf_btf_find_debug_in(elf_path, NULL, out, size);
}
