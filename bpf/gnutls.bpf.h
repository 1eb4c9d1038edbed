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

typedef struct {
	void *transport_recv_ptr;	/* the fd, when the application gave one */
} internals_st;

struct gnutls_session_int {
	security_parameters_st security_parameters;
	internals_st internals;
	struct gnutls_key_st key;
};

#pragma clang attribute pop

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
 * there), and with META the protocol version and the cipher suite. An
 * application with its own pull function keeps a pointer there instead:
 * the caller checks that the value names a socket of the task. Dead code,
 * relocations unchecked, when the program was loaded without GnuTLS's BTF.
 */
static __always_inline bool gnutls_read_conn(const void *session, __s32 *fd, __u16 *version,
					     char *cipher, __u16 *cipher_id, const bool meta)
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
		*version = BPF_CORE_READ_USER(ver, major) << 8 | BPF_CORE_READ_USER(ver, minor);
	gnutls_cipher(s, cipher, cipher_id);
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
