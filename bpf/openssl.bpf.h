/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OpenSSL's private structs, as far as sslsniff reads them. Relocated with
 * CO-RE against the BTF of the library version in use (btf-db/), so one
 * program reads every layout. Only the fields used are declared.
 */
#ifndef __OPENSSL_BPF_H
#define __OPENSSL_BPF_H

/* crypto/bio/bio_local.h: a socket BIO keeps its fd in num. */
struct bio_st {
	int num;
} __attribute__((preserve_access_index));

/* ssl/ssl_local.h, OpenSSL 1.1.1 to 3.1: SSL is struct ssl_st. */
struct ssl_st {
	int version;
	struct bio_st *rbio;
} __attribute__((preserve_access_index));

/*
 * The socket fd under the read BIO and the protocol version. The branch is
 * dead (and its relocations never checked) when the program was loaded
 * without OpenSSL's BTF.
 */
static __always_inline bool openssl_read_conn(const void *ssl, __s32 *fd, __u16 *version)
{
	const struct ssl_st *s = ssl;
	struct bio_st *rbio;
	int v = 0;

	if (!bpf_core_type_exists(struct ssl_st))
		return false;
	if (bpf_core_read_user(&v, sizeof(v), &s->version))
		return false;
	*version = v;
	rbio = BPF_CORE_READ_USER(s, rbio);
	if (!rbio || bpf_core_read_user(fd, sizeof(*fd), &rbio->num))
		*fd = -1;
	return true;
}

#endif /* __OPENSSL_BPF_H */
