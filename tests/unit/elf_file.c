// SPDX-License-Identifier: GPL-2.0
/* ELF symbol lookup on real libraries and on corrupt copies of one. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "target/elf_file.h"
#include "unit.h"

static const char *const names[] = { "SSL_write", "SSL_read", "no_such_function" };
static const char *const imports[] = { "no_such_function", "SSL_set_bio", "ERR_new" };

static int count_strings(const char *s, size_t len, void *arg)
{
	(void)s;
	*(size_t *)arg += len;
	return 0;
}

/* Everything the detector reads of a file; only the lookup result is kept. */
static int lookup(const char *path, uint64_t *offs)
{
	struct elf_file *ef = elf_file__open(path);
	char build_id[80];
	size_t chars = 0;
	uint64_t got;
	int n;

	if (!ef)
		return -errno;
	n = elf_file__find_funcs(ef, names, 3, offs);
	elf_file__build_id(ef, build_id, sizeof(build_id));
	elf_file__for_each_string(ef, "", count_strings, &chars);
	elf_file__for_each_string(ef, "OpenSSL ", count_strings, &chars);
	for (size_t i = 0; elf_file__needed(ef, i) && i < 64; i++)
		;
	elf_file__imports_any(ef, imports, 3);
	elf_file__got_target(ef, offs[0], offs[0] ? offs[0] : 0x1000, &got);
	elf_file__close(ef);
	return n;
}

int main(int argc, char **argv)
{
	const char *lib = argc > 1 ? argv[1] : "/lib/x86_64-linux-gnu/libssl.so.3";
	char tmp[] = "/tmp/sslsniff-unit-elf-XXXXXX";
	uint64_t offs[3];
	uint8_t *orig, *buf;
	size_t len;
	int fd;

	CHECK(lookup(lib, offs) == 2);
	CHECK(offs[0] && offs[1] && !offs[2]);
	{
		struct elf_file *ef = elf_file__open(lib);
		char id[80] = "";
		size_t chars = 0;
		uint64_t got;

		CHECK(ef && !elf_file__build_id(ef, id, sizeof(id)) && strlen(id) == 40);
		CHECK(ef && elf_file__build_id(ef, id, 8) == -ENOENT);	/* too small */
		CHECK(ef && !elf_file__for_each_string(ef, "", count_strings, &chars) && chars > 0);
		CHECK(ef && elf_file__needed(ef, 0) && !strncmp(elf_file__needed(ef, 0), "lib", 3));
		/* libssl needs ERR_new from libcrypto; it defines SSL_set_bio itself. */
		CHECK(ef && elf_file__imports_any(ef, imports, 3));
		CHECK(ef && !elf_file__imports_any(ef, imports, 2));
		CHECK(ef && elf_file__got_target(ef, 0, 0, &got) == -ENOENT);
		elf_file__close(ef);
	}
	CHECK(lookup("/etc/passwd", offs) == -ENOEXEC);
	CHECK(lookup("/nonexistent", offs) == -ENOENT);

	orig = unit_read_file(lib, &len);
	CHECK(orig != NULL);
	if (!orig)
		UNIT_DONE("elf_file");
	buf = malloc(len);
	fd = mkstemp(tmp);
	close(fd);
	/* Truncations and byte flips in the headers and tables: no crash, no
	 * out-of-bounds read (ASan watches), only errors or fewer symbols. */
	for (size_t cut = 0; cut < 4096 && cut < len; cut += 61) {
		unit_write_file(tmp, orig, cut);
		lookup(tmp, offs);
	}
	srand(1);
	for (int round = 0; round < 200; round++) {
		memcpy(buf, orig, len);
		for (int k = 0; k < 8; k++) {
			size_t at = round < 100 ? (size_t)rand() % 64 : (size_t)rand() % len;

			buf[at] ^= 1 + rand() % 255;
		}
		unit_write_file(tmp, buf, len);
		lookup(tmp, offs);
	}
	unlink(tmp);
	free(buf);
	free(orig);
	UNIT_DONE("elf_file");
}
