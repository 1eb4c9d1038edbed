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
	__u32 id;			/* 0x0300XXXX: XXXX is IANA's id */
} __attribute__((preserve_access_index));

struct ssl_session_st {
	const struct ssl_cipher_st *cipher;
	__u64 master_key_length;		/* size_t */
	unsigned char master_key[48];	/* longer in the library: the prefix is read */
} __attribute__((preserve_access_index));

/*
 * The secrets of TLS 1.3 that the library keeps (ssl_local.h); the traffic
 * secrets a key log wants are derived from them in user space. Same names
 * in ssl_st (1.1.1 to 3.1) and ssl_connection_st (3.2 on).
 */
#define OPENSSL_TLS13_SECRETS							\
	unsigned char handshake_secret[SSLSNIFF_SECRET_LEN];			\
	unsigned char master_secret[SSLSNIFF_SECRET_LEN];			\
	unsigned char server_finished_hash[SSLSNIFF_SECRET_LEN];		\
	unsigned char handshake_traffic_hash[SSLSNIFF_SECRET_LEN];		\
	unsigned char exporter_master_secret[SSLSNIFF_SECRET_LEN]

/*
 * 1.1.1: the SSLv3 state is a struct of its own, behind a pointer. It
 * holds the ALPN protocol selected (SSL_get0_alpn_selected() reads it).
 */
struct ssl3_state_st {
	unsigned char client_random[SSLSNIFF_RANDOM_LEN];
	unsigned char *alpn_selected;
	__u64 alpn_selected_len;	/* size_t */
} __attribute__((preserve_access_index));

struct ssl_st___s3ptr {
	struct ssl3_state_st *s3;
} __attribute__((preserve_access_index));

/* 3.0 on: embedded, as an anonymous struct. */
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
struct ssl_st___s3emb {
	struct {
		unsigned char client_random[SSLSNIFF_RANDOM_LEN];
		unsigned char *alpn_selected;
		__u64 alpn_selected_len;
	} s3;
};

struct ssl_connection_st___s3emb {
	struct {
		unsigned char client_random[SSLSNIFF_RANDOM_LEN];
		unsigned char *alpn_selected;
		__u64 alpn_selected_len;
	} s3;
};
#pragma clang attribute pop

/* ssl/ssl_local.h, OpenSSL 1.1.1 to 3.1: SSL is struct ssl_st. */
struct ssl_st {
	int version;
	struct bio_st *rbio;
	struct ssl_session_st *session;
	OPENSSL_TLS13_SECRETS;
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
	OPENSSL_TLS13_SECRETS;
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

/*
 * The cipher's id and name into ID and OUT ("" when there is no session
 * yet). The SSL_CIPHER tables are relocated data, always resident; the
 * names are .rodata, which OpenSSL reads when it builds cipher lists, and a
 * page that memory pressure took since is not faulted in by a probe's read:
 * then the id alone names the suite.
 */
static __always_inline void openssl_cipher(const struct ssl_session_st *sess, char *out, __u16 *id)
{
	const struct ssl_cipher_st *c = NULL;
	const char *name = NULL;
	__u32 cid = 0;

	out[0] = '\0';
	if (sess)
		c = BPF_CORE_READ_USER(sess, cipher);
	if (!c)
		return;
	if (bpf_core_field_exists(c->id) && !bpf_core_read_user(&cid, sizeof(cid), &c->id) &&
	    cid >> 16 == 0x0300)
		*id = cid;
	name = BPF_CORE_READ_USER(c, name);
	if (name && bpf_probe_read_user_str(out, SSLSNIFF_CIPHER_LEN, name) < 0)
		out[0] = '\0';
}

/* The ALPN protocol selected, wherever this layout keeps the SSLv3 state. */
static __always_inline void openssl_alpn(const void *ssl, char *out, __u8 *out_len)
{
	unsigned char *p = NULL;
	__u64 len = 0;

	if (bpf_core_type_exists(struct ssl_connection_st)) {
		/* 3.2 on: in SSL_CONNECTION, embedded */
		const struct ssl_connection_st___s3emb *sc = ssl;

		if (!bpf_core_field_exists(sc->s3.alpn_selected) ||
		    bpf_core_read_user(&p, sizeof(p), &sc->s3.alpn_selected) ||
		    bpf_core_read_user(&len, sizeof(len), &sc->s3.alpn_selected_len))
			return;
	} else if (bpf_core_field_exists(((struct ssl_st___s3emb *)0)->s3)) {
		/* 3.0 and 3.1: in SSL, embedded */
		const struct ssl_st___s3emb *s = ssl;

		if (!bpf_core_field_exists(s->s3.alpn_selected) ||
		    bpf_core_read_user(&p, sizeof(p), &s->s3.alpn_selected) ||
		    bpf_core_read_user(&len, sizeof(len), &s->s3.alpn_selected_len))
			return;
	} else if (bpf_core_field_exists(((struct ssl_st___s3ptr *)0)->s3)) {
		/* 1.1.1: behind SSL's s3 pointer */
		const struct ssl_st___s3ptr *s = ssl;
		struct ssl3_state_st *s3 = BPF_CORE_READ_USER(s, s3);

		if (!s3 || !bpf_core_field_exists(s3->alpn_selected) ||
		    bpf_core_read_user(&p, sizeof(p), &s3->alpn_selected) ||
		    bpf_core_read_user(&len, sizeof(len), &s3->alpn_selected_len))
			return;
	}
	alpn_read(out, out_len, p, len);
}

/*
 * The socket fd under the read BIO, and with META the protocol version,
 * the cipher suite and the ALPN protocol into H. Which branch holds is
 * known at load time: the others are dead, and their relocations never
 * checked, as is all of it when the program was loaded without OpenSSL's
 * BTF.
 */
static __always_inline bool openssl_read_conn(const void *ssl, __s32 *fd, struct event *h,
					      const bool meta)
{
	int v = 0, type = -1;

	if (bpf_core_type_exists(struct ssl_connection_st)) {
		const struct ssl_connection_st *sc = ssl;	/* SSL is its first member */
		const struct ssl_st___v32 *hdr = ssl;

		if (bpf_core_read_user(&type, sizeof(type), &hdr->type) ||
		    type != OPENSSL_SSL_TYPE_SSL_CONNECTION)
			return false;
		*fd = openssl_bio_fd(BPF_CORE_READ_USER(sc, rbio));
		if (!meta)
			return true;
		if (bpf_core_read_user(&v, sizeof(v), &sc->version))
			return false;
		openssl_cipher(BPF_CORE_READ_USER(sc, session), h->cipher, &h->cipher_id);
	} else if (bpf_core_field_exists(struct ssl_st, rbio)) {
		const struct ssl_st *s = ssl;

		*fd = openssl_bio_fd(BPF_CORE_READ_USER(s, rbio));
		if (!meta)
			return true;
		if (bpf_core_read_user(&v, sizeof(v), &s->version))
			return false;
		openssl_cipher(BPF_CORE_READ_USER(s, session), h->cipher, &h->cipher_id);
	} else {
		return false;
	}
	h->tls_version = v;
	openssl_alpn(ssl, h->alpn, &h->alpn_len);
	return true;
}

/* Reads the secrets of session SESS and the TLS 1.3 ones of S into OUT. */
#define OPENSSL_READ_SECRETS(s, sess, out)					\
	({									\
		bpf_core_read_user((out)->handshake_secret, SSLSNIFF_SECRET_LEN,	\
				   &(s)->handshake_secret) ||			\
		bpf_core_read_user((out)->master_secret, SSLSNIFF_SECRET_LEN,	\
				   &(s)->master_secret) ||			\
		bpf_core_read_user((out)->server_finished_hash, SSLSNIFF_SECRET_LEN, \
				   &(s)->server_finished_hash) ||		\
		bpf_core_read_user((out)->handshake_traffic_hash, SSLSNIFF_SECRET_LEN, \
				   &(s)->handshake_traffic_hash) ||		\
		bpf_core_read_user((out)->exporter_master_secret, SSLSNIFF_SECRET_LEN, \
				   &(s)->exporter_master_secret) ||		\
		openssl_read_master_key(sess, out);				\
	})

/* TLS 1.2 and earlier: the session's master key. */
static __always_inline int openssl_read_master_key(const struct ssl_session_st *sess,
						   struct tls_secrets *out)
{
	__u64 len = 0;

	if (!sess)
		return -1;
	if (bpf_core_read_user(&len, sizeof(len), &sess->master_key_length) ||
	    bpf_core_read_user(out->master_key, sizeof(out->master_key), &sess->master_key))
		return -1;
	out->master_key_len = len > sizeof(out->master_key) ? sizeof(out->master_key) : len;
	return 0;
}

/* The client random, wherever this layout keeps the SSLv3 state. */
static __always_inline int openssl_read_client_random(const void *ssl, __u8 *out)
{
	if (bpf_core_type_exists(struct ssl_connection_st)) {
		const struct ssl_connection_st___s3emb *sc = ssl;

		return bpf_core_read_user(out, SSLSNIFF_RANDOM_LEN, &sc->s3.client_random);
	}
	if (bpf_core_field_exists(((struct ssl_st___s3emb *)0)->s3)) {
		const struct ssl_st___s3emb *s = ssl;

		return bpf_core_read_user(out, SSLSNIFF_RANDOM_LEN, &s->s3.client_random);
	}
	if (bpf_core_field_exists(((struct ssl_st___s3ptr *)0)->s3)) {
		const struct ssl_st___s3ptr *s = ssl;
		struct ssl3_state_st *s3 = BPF_CORE_READ_USER(s, s3);

		if (!s3)
			return -1;
		return bpf_core_read_user(out, SSLSNIFF_RANDOM_LEN, &s3->client_random);
	}
	return -1;
}

/*
 * The secrets a key log needs (struct tls_secrets), once the handshake is
 * done. Only with a matched layout (the caller checks), as the rest.
 */
static __always_inline bool openssl_read_secrets(const void *ssl, struct tls_secrets *out)
{
	out->flags = 0;
	if (openssl_read_client_random(ssl, out->client_random))
		return false;
	if (bpf_core_type_exists(struct ssl_connection_st)) {
		const struct ssl_connection_st *sc = ssl;

		return !OPENSSL_READ_SECRETS(sc, BPF_CORE_READ_USER(sc, session), out);
	}
	if (bpf_core_field_exists(struct ssl_st, rbio)) {
		const struct ssl_st *s = ssl;

		return !OPENSSL_READ_SECRETS(s, BPF_CORE_READ_USER(s, session), out);
	}
	return false;
}

#endif /* __OPENSSL_BPF_H */
