// SPDX-License-Identifier: GPL-2.0
/*
 * A Go executable's build info (.go.buildinfo), as the go command writes
 * it (debug/buildinfo): a 32-byte header, then the version and module
 * strings, each a uvarint length and its bytes (Go 1.18+, flag 0x2), or
 * (up to 1.17) two pointers to Go string headers elsewhere in the data.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "target/go_buildinfo.h"

#define GO_MAGIC	"\xff Go buildinf:"
#define GO_MAGIC_LEN	14
#define GO_HDR_LEN	32
#define GO_FLAG_BIGEND	0x1
#define GO_FLAG_INLINE	0x2
#define GO_INFO_MAX	(64U << 10)	/* more than any module list read here */

/* A uvarint-prefixed string at *AT in D[0..N): its start and length. */
static int go_inline_string(const uint8_t *d, size_t n, size_t *at, const uint8_t **s,
			    size_t *len)
{
	uint64_t v = 0;
	size_t i = *at;

	for (int shift = 0;; shift += 7) {
		if (i >= n || shift > 56)
			return -EINVAL;
		v |= (uint64_t)(d[i] & 0x7f) << shift;
		if (!(d[i++] & 0x80))
			break;
	}
	if (v > n - i)
		return -EINVAL;
	*s = d + i;
	*len = v;
	*at = i + v;
	return 0;
}

/* A Go string whose header is at VADDR (the pointer format, 8-byte words). */
static int go_pointer_string(struct elf_file *ef, uint64_t vaddr, char *out, size_t size)
{
	uint64_t hdr[2];

	if (elf_file__read_vaddr(ef, vaddr, hdr, sizeof(hdr)) || hdr[1] >= size)
		return -EINVAL;
	if (elf_file__read_vaddr(ef, hdr[0], out, hdr[1]))
		return -EINVAL;
	out[hdr[1]] = '\0';
	return 0;
}

static void go_copy(char *out, size_t size, const uint8_t *s, size_t len)
{
	if (len >= size)
		len = size - 1;
	memcpy(out, s, len);
	out[len] = '\0';
}

/*
 * The module path from the module text: its "mod\t<path>\t..." line, else
 * the "path\t<package>" line (a program built from files, no module).
 */
static void go_module(const char *info, size_t len, char *out, size_t size)
{
	const char *p = info, *end = info + len;

	out[0] = '\0';
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p), *tab;
		const char *line_end = nl ? nl : end;
		bool mod = line_end - p > 4 && !memcmp(p, "mod\t", 4);

		if (mod || (line_end - p > 5 && !memcmp(p, "path\t", 5) && !out[0])) {
			p += mod ? 4 : 5;
			tab = memchr(p, '\t', line_end - p);
			go_copy(out, size, (const uint8_t *)p, (tab ? tab : line_end) - p);
			if (mod)
				return;
		}
		p = line_end + 1;
	}
}

static void go_parse_version(struct go_buildinfo *bi)
{
	const char *v = strstr(bi->version, "go1.");
	char *end;
	long minor;

	if (!v)
		return;
	minor = strtol(v + 4, &end, 10);
	if (end == v + 4 || minor < 0 || minor > 1000)
		return;
	bi->major = 1;
	bi->minor = minor;
}

static int go_read_inline(const uint8_t *d, size_t n, struct go_buildinfo *bi)
{
	const uint8_t *s, *m;
	size_t at = GO_HDR_LEN, len, mlen;

	if (go_inline_string(d, n, &at, &s, &len) || go_inline_string(d, n, &at, &m, &mlen))
		return -EINVAL;
	go_copy(bi->version, sizeof(bi->version), s, len);
	/* The module text is framed by 16 bytes on each side. */
	if (mlen >= 33 && m[mlen - 17] == '\n')
		go_module((const char *)m + 16, mlen - 32, bi->module, sizeof(bi->module));
	return 0;
}

static int go_read_pointers(struct elf_file *ef, const uint8_t *d, struct go_buildinfo *bi)
{
	uint64_t vp, mp;
	char *info;
	size_t len;

	if (d[14] != 8 || (d[15] & GO_FLAG_BIGEND))
		return -EINVAL;		/* only amd64's 8-byte little-endian words */
	memcpy(&vp, d + 16, 8);
	memcpy(&mp, d + 24, 8);
	if (go_pointer_string(ef, vp, bi->version, sizeof(bi->version)))
		return -EINVAL;
	info = malloc(GO_INFO_MAX);
	if (!info)
		return -ENOMEM;
	if (!go_pointer_string(ef, mp, info, GO_INFO_MAX)) {
		len = strlen(info);
		if (len >= 33 && info[len - 17] == '\n')
			go_module(info + 16, len - 32, bi->module, sizeof(bi->module));
	}
	free(info);
	return 0;
}

int go_buildinfo_read(struct elf_file *ef, struct go_buildinfo *bi)
{
	uint64_t vaddr, size;
	uint8_t *d;
	size_t n;
	int err;

	memset(bi, 0, sizeof(*bi));
	if (elf_file__section(ef, ".go.buildinfo", &vaddr, &size) || size < GO_HDR_LEN)
		return -ENOENT;
	n = size < GO_INFO_MAX ? size : GO_INFO_MAX;
	d = malloc(n);
	if (!d)
		return -ENOMEM;
	err = elf_file__read_vaddr(ef, vaddr, d, n) ? -EINVAL : 0;
	if (!err && memcmp(d, GO_MAGIC, GO_MAGIC_LEN))
		err = -ENOENT;
	if (!err)
		err = d[15] & GO_FLAG_INLINE ? go_read_inline(d, n, bi) : go_read_pointers(ef, d, bi);
	free(d);
	if (!err)
		go_parse_version(bi);
	return err;
}

bool go_buildinfo_register_abi(const struct go_buildinfo *bi)
{
	return bi->major > 1 || (bi->major == 1 && bi->minor >= 17);
}
