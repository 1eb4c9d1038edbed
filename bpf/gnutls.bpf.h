/* SPDX-License-Identifier: GPL-2.0 */
/*
 * GnuTLS's private session struct (lib/gnutls_int.h), as far as sslsniff
 * reads it. Relocated with CO-RE against the BTF of the GnuTLS version in
 * use (btf-db/); only the fields used are declared. Several of GnuTLS's
 * structs are anonymous behind a typedef: CO-RE finds those by the
 * typedef's name.
 */
#ifndef __GNUTLS_BPF_H
#define __GNUTLS_BPF_H

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

typedef struct {
	__u8 major;
	__u8 minor;
} version_entry_st;

struct gnutls_cipher_suite_entry_st {
	const char *name;		/* "GNUTLS_AES_128_GCM_SHA256" */
	const __u8 id[2];		/* IANA's, as sent: { 0x13, 0x01 } */
	const char *canonical_name;	/* "TLS_AES_128_GCM_SHA256", from 3.7.3 */
};

typedef struct {
	const struct gnutls_cipher_suite_entry_st *cs;
	const version_entry_st *pversion;
	__u8 master_secret[48];
	__u8 client_random[SSLSNIFF_RANDOM_LEN];
} security_parameters_st;

/* TLS 1.3's traffic secrets, kept as they are (lib/gnutls_int.h). */
struct gnutls_key_st {
	union {
		struct {
			__u8 hs_ckey[SSLSNIFF_SECRET_LEN];
			__u8 hs_skey[SSLSNIFF_SECRET_LEN];
			__u8 ap_ckey[SSLSNIFF_SECRET_LEN];
			__u8 ap_skey[SSLSNIFF_SECRET_LEN];
			__u8 ap_expkey[SSLSNIFF_SECRET_LEN];
		} tls13;
	} proto;
};

/*
 * An extension's private data, by extension id (enum extensions_t): what
 * _gnutls_hello_ext_get_priv() returns when set.
 */
typedef struct {
	void *transport_recv_ptr;	/* the fd, when the application gave one */
	struct {
		void *priv;
		__u8 set;
	} ext_data[64];			/* MAX_EXT_TYPES; the index is relocated */
} internals_st;

/* lib/ext/alpn.h: the ALPN extension's private data. */
typedef struct {
	__u8 *selected_protocol;	/* into its own protocols[] */
	unsigned int selected_protocol_size;
} alpn_ext_st;

struct gnutls_session_int {
	security_parameters_st security_parameters;
	internals_st internals;
	struct gnutls_key_st key;
};

#pragma clang attribute pop

/* lib/gnutls_int.h: the extension ids, the same from 3.5 to 3.8 at least. */
enum extensions_t {
	GNUTLS_EXTENSION_ALPN = 10,
};

/*
 * The ALPN protocol selected, as gnutls_alpn_get_selected_protocol() finds
 * it: the extension's private data, set once negotiated. The array's
 * index is a constant of the access, so the value of GNUTLS_EXTENSION_ALPN
 * in the library's BTF is checked to be it; alpn_ext_st is in the BTF only
 * when lib/ext/alpn.c's DWARF went into it (btf-db from 3.7, DWARF layouts).
 */
static __always_inline void gnutls_alpn(const struct gnutls_session_int *s, char *out,
					__u8 *out_len)
{
	const alpn_ext_st *priv = NULL;
	__u8 *p = NULL;
	__u32 len = 0;
	__u8 set = 0;

	if (!bpf_core_type_exists(alpn_ext_st) ||
	    !bpf_core_enum_value_exists(enum extensions_t, GNUTLS_EXTENSION_ALPN) ||
	    bpf_core_enum_value(enum extensions_t, GNUTLS_EXTENSION_ALPN) !=
		    GNUTLS_EXTENSION_ALPN)
		return;
	if (bpf_core_read_user(&set, sizeof(set),
			       &s->internals.ext_data[GNUTLS_EXTENSION_ALPN].set) || !set ||
	    bpf_core_read_user(&priv, sizeof(priv),
			       &s->internals.ext_data[GNUTLS_EXTENSION_ALPN].priv) ||
	    !priv || bpf_core_read_user(&p, sizeof(p), &priv->selected_protocol) ||
	    bpf_core_read_user(&len, sizeof(len), &priv->selected_protocol_size))
		return;
	alpn_read(out, out_len, p, len);
}

/*
 * The negotiated suite: its id, and its IANA-style name, else GnuTLS's own.
 * The table entry is relocated data, resident once the library is loaded;
 * the names are in .rodata, which GnuTLS does not touch per connection: a
 * reclaimed page is not faulted back in by a probe's read, and then the id
 * alone names the suite (user space has the names).
 */
static __always_inline void gnutls_cipher(const struct gnutls_session_int *s, char *out, __u16 *id)
{
	const struct gnutls_cipher_suite_entry_st *cs;
	const char *name = NULL;
	__u8 b[2];

	out[0] = '\0';
	cs = BPF_CORE_READ_USER(s, security_parameters.cs);
	if (!cs)
		return;
	if (bpf_core_field_exists(cs->id) && !bpf_core_read_user(b, sizeof(b), &cs->id))
		*id = b[0] << 8 | b[1];
	if (bpf_core_field_exists(cs->canonical_name))
		name = BPF_CORE_READ_USER(cs, canonical_name);
	if (!name)
		name = BPF_CORE_READ_USER(cs, name);
	if (name && bpf_probe_read_user_str(out, SSLSNIFF_CIPHER_LEN, name) < 0)
		out[0] = '\0';
}

/*
 * The transport pointer as an fd (gnutls_transport_set_int() stores it
 * there), and with META the protocol version, the cipher suite and the
 * ALPN protocol. An
 * application with its own pull function keeps a pointer there instead:
 * the caller checks that the value names a socket of the task. Dead code,
 * relocations unchecked, when the program was loaded without GnuTLS's BTF.
 */
static __always_inline bool gnutls_read_conn(const void *session, __s32 *fd, struct event *h,
					     const bool meta)
{
	const struct gnutls_session_int *s = session;
	const version_entry_st *ver;
	__u64 ptr;

	if (!bpf_core_type_exists(struct gnutls_session_int))
		return false;
	if (bpf_core_read_user(&ptr, sizeof(ptr), &s->internals.transport_recv_ptr))
		return false;
	*fd = ptr < (1U << 30) ? (__s32)ptr : -1;
	if (!meta)
		return true;
	ver = BPF_CORE_READ_USER(s, security_parameters.pversion);
	if (ver)
		h->tls_version = BPF_CORE_READ_USER(ver, major) << 8 |
				 BPF_CORE_READ_USER(ver, minor);
	gnutls_cipher(s, h->cipher, &h->cipher_id);
	gnutls_alpn(s, h->alpn, &h->alpn_len);
	return true;
}

static __always_inline int gnutls_read_client_random(const void *session, __u8 *out)
{
	const struct gnutls_session_int *s = session;

	if (!bpf_core_type_exists(struct gnutls_session_int))
		return -1;
	return bpf_core_read_user(out, SSLSNIFF_RANDOM_LEN, &s->security_parameters.client_random);
}

/*
 * The key log's secrets: TLS 1.2's master secret, and TLS 1.3's traffic
 * secrets, which GnuTLS keeps as such (no derivation needed). Both are
 * read: which one holds is the record's version.
 */
static __always_inline bool gnutls_read_secrets(const void *session, struct tls_secrets *out)
{
	const struct gnutls_session_int *s = session;

	if (!bpf_core_type_exists(struct gnutls_session_int))
		return false;
	if (bpf_core_read_user(out->client_random, SSLSNIFF_RANDOM_LEN,
			       &s->security_parameters.client_random) ||
	    bpf_core_read_user(out->master_key, sizeof(out->master_key),
			       &s->security_parameters.master_secret) ||
	    bpf_core_read_user(out->traffic[0], SSLSNIFF_SECRET_LEN, &s->key.proto.tls13.hs_ckey) ||
	    bpf_core_read_user(out->traffic[1], SSLSNIFF_SECRET_LEN, &s->key.proto.tls13.hs_skey) ||
	    bpf_core_read_user(out->traffic[2], SSLSNIFF_SECRET_LEN, &s->key.proto.tls13.ap_ckey) ||
	    bpf_core_read_user(out->traffic[3], SSLSNIFF_SECRET_LEN, &s->key.proto.tls13.ap_skey) ||
	    bpf_core_read_user(out->traffic[4], SSLSNIFF_SECRET_LEN, &s->key.proto.tls13.ap_expkey))
		return false;
	out->master_key_len = sizeof(out->master_key);
	out->flags = SECRETS_TRAFFIC;
	return true;
}

#endif /* __GNUTLS_BPF_H */
