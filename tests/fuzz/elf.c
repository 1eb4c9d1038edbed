// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the ELF reader (target/elf_file.c) and the library detector
 * (target/detect.c, a Go executable's build info through target/go_buildinfo.c)
 * on any file, as a container could hand one over: every
 * question sslsniff asks of a library file, then probe placement
 * (target/probe_place.c) on the wrappers the file defines.
 */
#include <errno.h>
#include "fuzz.h"
#include "target/detect.h"
#include "target/elf_file.h"
#include "target/probe_place.h"

static const char *const names[] = { "SSL_write", "SSL_write_ex", "SSL_read", "SSL_read_ex",
				     "gnutls_record_send", "PR_Write", "main",
				     "crypto/tls.(*Conn).Write" };
#define NR_NAMES (sizeof(names) / sizeof(names[0]))

static int count_string(const char *s, size_t len, void *ctx)
{
	size_t *n = ctx;

	FUZZ_ASSERT(strlen(s) == len);
	return ++*n > 64;	/* enough: a non-zero return must stop the walk */
}

static void ask_everything(struct elf_file *ef)
{
	uint64_t offs[NR_NAMES], off;
	char buf[80];
	uint8_t code[64];
	size_t n = 0;
	int found;

	found = elf_file__find_funcs(ef, names, NR_NAMES, offs);
	FUZZ_ASSERT(found >= 0 && (size_t)found <= NR_NAMES);
	elf_file__imports_any(ef, names, NR_NAMES);
	if (!elf_file__build_id(ef, buf, sizeof(buf)))
		FUZZ_ASSERT(strlen(buf) < sizeof(buf));
	elf_file__for_each_string(ef, "OpenSSL ", count_string, &n);
	elf_file__for_each_string(ef, "", count_string, &n);
	for (size_t i = 0; i < NR_NAMES; i++) {
		if (!offs[i])
			continue;
		elf_file__read_text(ef, offs[i], code, sizeof(code));
		/* Its first bytes as a PLT slot reference (rip-relative). */
		elf_file__got_target(ef, offs[i], offs[i] + code[0], &off);
	}
	for (size_t i = 0; i < 64 && elf_file__needed(ef, i); i++)
		FUZZ_ASSERT(strlen(elf_file__needed(ef, i)) < 1 << 20);
	if (offs[0] && offs[1]) {
		struct internal_site site;

		probe_place_internal(ef, offs[0], offs[1], &site);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tls_detect d;
	char path[64];
	int fd = fuzz_memfd(data, size, path, sizeof(path));
	struct elf_file *ef = elf_file__from_fd(fd);

	if (!ef)
		return 0;
	ask_everything(ef);
	detect_tls(ef, path, &d);
	FUZZ_ASSERT(d.version[sizeof(d.version) - 1] == '\0');
	elf_file__close(ef);
	/* The same file as the version file of a library found elsewhere (a
	 * libcrypto through a mapping): one kind per input, by its last byte,
	 * each kind a whole ELF read more. */
	d.lib = LIB_OPENSSL + data[size - 1] % 3;
	if (!detect_version_from(&d, path))
		FUZZ_ASSERT(d.version[0] && strlen(d.version) < sizeof(d.version));
	return 0;
}
