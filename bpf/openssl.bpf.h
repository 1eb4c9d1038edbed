/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OpenSSL's private structs, as far as sslsniff reads them. Relocated with
 * CO-RE against the BTF of the library version in use (btf-db/), so one
 * program reads every layout. Only the fields used are declared.
 */
#ifndef __OPENSSL_BPF_H
#define __OPENSSL_BPF_H

/* include/internal/bio.h */
struct bio_method_st {
	int type;
} __attribute__((preserve_access_index));

/* BIO_TYPE_DESCRIPTOR (openssl/bio.h): the BIO's num is a file descriptor. */
#define OPENSSL_BIO_TYPE_DESCRIPTOR	0x0100

/* crypto/bio/bio_local.h: a socket or fd BIO keeps its fd in num. */
struct bio_st {
	const struct bio_method_st *method;
	int num;
} __attribute__((preserve_access_index));

/* ssl/ssl_local.h: the negotiated cipher, by way of the session. */
struct ssl_cipher_st {
	const char *name;
} __attribute__((preserve_access_index));

struct ssl_session_st {
	const struct ssl_cipher_st *cipher;
} __attribute__((preserve_access_index));

/* ssl/ssl_local.h, OpenSSL 1.1.1 to 3.1: SSL is struct ssl_st. */
struct ssl_st {
	int version;
	struct bio_st *rbio;
	struct ssl_session_st *session;
} __attribute__((preserve_access_index));

/*
 * OpenSSL 3.2 made struct ssl_st a small header (its first field the type)
 * that starts a struct ssl_connection_st for a TLS connection, and other
 * objects for QUIC.
 */
struct ssl_st___v32 {
	int type;
} __attribute__((preserve_access_index));

#define OPENSSL_SSL_TYPE_SSL_CONNECTION	0

struct ssl_connection_st {
	int version;
	struct bio_st *rbio;
	struct ssl_session_st *session;
} __attribute__((preserve_access_index));

/*
 * The fd under the read BIO, when it is a descriptor BIO (socket, connect,
 * accept, fd): an application's own BIO (curl's) keeps something else, or
 * nothing, in num.
 */
static __always_inline __s32 openssl_bio_fd(const struct bio_st *bio)
{
	int type = 0, fd = -1;

	if (!bio || BPF_CORE_READ_USER_INTO(&type, bio, method, type) ||
	    !(type & OPENSSL_BIO_TYPE_DESCRIPTOR) ||
	    bpf_core_read_user(&fd, sizeof(fd), &bio->num))
		return -1;
	return fd;
}

/* The cipher's name into OUT ("" when there is no session yet). */
static __always_inline void openssl_cipher_name(const struct ssl_session_st *sess, char *out)
{
	const char *name = NULL;

	if (sess)
		name = BPF_CORE_READ_USER(sess, cipher, name);
	if (!name || bpf_probe_read_user_str(out, SSLSNIFF_CIPHER_LEN, name) < 0)
		out[0] = '\0';
}

/*
 * The socket fd under the read BIO, the protocol version and the cipher
 * name (CIPHER holds SSLSNIFF_CIPHER_LEN bytes). Which branch
 * holds is known at load time: the others are dead, and their relocations
 * never checked, as is all of it when the program was loaded without
 * OpenSSL's BTF.
 */
static __always_inline bool openssl_read_conn(const void *ssl, __s32 *fd, __u16 *version,
					      char *cipher)
{
	int v = 0, type = -1;

	if (bpf_core_type_exists(struct ssl_connection_st)) {
		const struct ssl_connection_st *sc = ssl;	/* SSL is its first member */
		const struct ssl_st___v32 *hdr = ssl;

		if (bpf_core_read_user(&type, sizeof(type), &hdr->type) ||
		    type != OPENSSL_SSL_TYPE_SSL_CONNECTION ||
		    bpf_core_read_user(&v, sizeof(v), &sc->version))
			return false;
		*fd = openssl_bio_fd(BPF_CORE_READ_USER(sc, rbio));
		openssl_cipher_name(BPF_CORE_READ_USER(sc, session), cipher);
	} else if (bpf_core_field_exists(struct ssl_st, rbio)) {
		const struct ssl_st *s = ssl;

		if (bpf_core_read_user(&v, sizeof(v), &s->version))
			return false;
		*fd = openssl_bio_fd(BPF_CORE_READ_USER(s, rbio));
		openssl_cipher_name(BPF_CORE_READ_USER(s, session), cipher);
	} else {
		return false;
	}
	*version = v;
	return true;
}

#endif /* __OPENSSL_BPF_H */
