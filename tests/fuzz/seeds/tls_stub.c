// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny TLS library look-alike, the seed of the ELF, DWARF and probe
 * placement fuzz targets (tests/fuzz/seeds.sh builds it several ways):
 * what sslsniff looks for in a real one, in a few kilobytes. The exported
 * wrappers call one internal function as OpenSSL's do; the version
 * string is in .rodata; the structs sslsniff reads have the shapes the
 * DWARF encoder handles (bit-fields, arrays, unions, anonymous members,
 * typedefs, enums, function pointers, atomics, flexible arrays).
 */
#include <stddef.h>
#include <stdio.h>

#if defined(STUB_GNUTLS)
const char version_text[] = "GnuTLS 3.7.9";
#elif defined(STUB_NSPR)
const char version_text[] = "4.35";
#else
const char version_text[] = "OpenSSL 3.0.99 1 Jan 2026";
#endif

enum method_kind { M_NONE = -1, M_SOCK = 1, M_BIG = 0x7fffffff };
typedef long (*bio_ctrl_fn)(void *, int, long, void *);

struct bio_method_st {
	int type;
	const char *name;
	bio_ctrl_fn ctrl;
	enum method_kind kind;
};

struct bio_st {
	const struct bio_method_st *method;
	int num;
	unsigned int init : 1, shutdown : 2, flags : 29;
	_Atomic int references;
	struct bio_st *next_bio, *prev_bio;
	unsigned char buf[2][3];
};

struct ssl_cipher_st {
	unsigned int valid;
	const char *name;
	unsigned int id;
};

struct ssl_session_st {
	int ssl_version;
	size_t master_key_length;
	unsigned char master_key[48];
	const struct ssl_cipher_st *cipher;
};

struct ssl3_state_st {
	unsigned char client_random[32], server_random[32];
	union {
		long l;
		double d;
	};
};

typedef struct ssl_st {
	int version;
	struct bio_st *rbio, *wbio;
	struct ssl_session_st *session;
	struct ssl3_state_st *s3;
	struct {
		int state;
		unsigned long flags;
	} statem;
	void (*info_callback)(const struct ssl_st *, int, int);
	char ext[];
} SSL;

/* GnuTLS's: a typedef of an anonymous struct. */
typedef struct {
	int id;
	const char *name;
} version_entry_st;

struct gnutls_session_int {
	const version_entry_st *pversion;
	int internals[4];
};

typedef struct {
	const char *name;
	unsigned short id;
} gnutls_cipher_suite_entry_st;

/* NSPR's. */
typedef struct PRFilePrivate {
	int state;
	int osfd;
} PRFilePrivate;

/* Kept in the file: the encoder starts from these. */
struct gnutls_session_int *stub_gnutls;
gnutls_cipher_suite_entry_st *stub_suite;
PRFilePrivate *stub_pr;

__attribute__((noinline, visibility("hidden"))) int ssl_write_internal(SSL *s, const void *buf,
								      size_t num, size_t *written)
{
	if (!s || !s->wbio)
		return -1;
	*written = fwrite(buf, 1, num, stdout);
	return 1;
}

int SSL_write(SSL *s, const void *buf, int num)
{
	size_t written;
	int ret;

	if (num < 0)
		return -1;
	ret = ssl_write_internal(s, buf, (size_t)num, &written);
	return ret > 0 ? (int)written : ret;
}

#ifdef STUB_EX2
/* 3.2+: SSL_write_ex jumps through the PLT to SSL_write_ex2. */
int SSL_write_ex2(SSL *s, const void *buf, size_t num, unsigned long flags, size_t *written)
{
	int ret = flags ? -1 : ssl_write_internal(s, buf, num, written);

	return ret < 0 ? 0 : ret;
}

int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written)
{
	return SSL_write_ex2(s, buf, num, 0, written);
}
#else
int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written)
{
	int ret = ssl_write_internal(s, buf, num, written);

	return ret < 0 ? 0 : ret;
}
#endif

int SSL_read(SSL *s, void *buf, int num)
{
	return s && buf ? num : -1;
}

int gnutls_record_send(void *session, const void *data, size_t len)
{
	return session && data ? (int)len : -1;
}

int PR_Write(PRFilePrivate *fd, const void *buf, int amount)
{
	return fd && buf ? amount : -1;
}
