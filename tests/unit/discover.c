// SPDX-License-Identifier: GPL-2.0
/* ld.so.cache parsing and TLS library names, on good and corrupt caches. */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include "target/discover.h"
#include "unit.h"

struct found {
	int n;
	char paths[8][128];
};

static int collect(const struct discover_file *df, void *arg)
{
	struct found *f = arg;

	CHECK(df->pid == -1 && df->named_tls);
	if (f->n < 8)
		snprintf(f->paths[f->n++], sizeof(f->paths[0]), "%s", df->path);
	return 0;
}

struct cache {
	char magic[20];
	uint32_t nlibs, len_strings;
	uint8_t flags, pad[3];
	uint32_t ext, unused[3];
	struct {
		int32_t flags;
		uint32_t key, value, osversion;
		uint64_t hwcap;
	} e[3];
	char strings[256];
};

static size_t build_cache(struct cache *c)
{
	static const char *const libs[] = { "/lib/libssl.so.3", "/lib/libc.so.6",
					    "/lib/libgnutls.so.30" };
	size_t off = offsetof(struct cache, strings);

	memset(c, 0, sizeof(*c));
	memcpy(c->magic, "glibc-ld.so.cache1.1", 20);
	c->nlibs = 3;
	for (int i = 0; i < 3; i++) {
		c->e[i].key = c->e[i].value = off;
		strcpy((char *)c + off, libs[i]);
		off += strlen(libs[i]) + 1;
	}
	return off;
}

static int parse(const void *buf, size_t len, struct found *f)
{
	char path[] = "/tmp/sslsniff-unit-ldcache-XXXXXX";
	int fd = mkstemp(path), err;

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
		return -EIO;
	close(fd);
	memset(f, 0, sizeof(*f));
	err = discover_ldcache(path, collect, f);
	unlink(path);
	return err;
}

int main(void)
{
	static struct cache c;
	struct found f;
	size_t len = build_cache(&c);

	/* The parser warns about every corrupt cache below; that is not news. */
	if (!freopen("/dev/null", "w", stderr))
		return 1;

	CHECK(discover_is_tls_name("/usr/lib/x86_64-linux-gnu/libssl.so.3"));
	CHECK(discover_is_tls_name("libssl.so"));
	CHECK(discover_is_tls_name("/lib/libgnutls.so.30"));
	CHECK(discover_is_tls_name("/lib/libnspr4.so"));
	CHECK(!discover_is_tls_name("/lib/libssl3.so"));	/* NSS's libssl: no PR_* */
	CHECK(!discover_is_tls_name("/lib/libgnutls-openssl.so.27"));
	CHECK(!discover_is_tls_name("/lib/libsslx.so"));

	CHECK(!parse(&c, len, &f));
	CHECK(f.n == 2);
	CHECK_STR(f.paths[0], "/lib/libssl.so.3");
	CHECK_STR(f.paths[1], "/lib/libgnutls.so.30");

	/* Truncated anywhere, the parser neither crashes nor reads past the end. */
	for (size_t cut = 0; cut < len; cut++)
		parse(&c, cut, &f);
	/* More entries claimed than the file holds. */
	c.nlibs = 1000000;
	CHECK(parse(&c, len, &f) == -EINVAL);
	/* String offsets outside the file. */
	build_cache(&c);
	c.e[0].value = 0xfffffff0;
	CHECK(!parse(&c, len, &f) && f.n == 1);
	/* Bad magic. */
	build_cache(&c);
	c.magic[0] = 'x';
	CHECK(parse(&c, len, &f) == -EINVAL);
	/* A string that runs to the end of the file without its NUL. */
	build_cache(&c);
	CHECK(!parse(&c, len - 1, &f) && f.n == 1);
	UNIT_DONE("discover");
}
