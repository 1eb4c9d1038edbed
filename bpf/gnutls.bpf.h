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
	const char *canonical_name;	/* "TLS_AES_128_GCM_SHA256", from 3.7.3 */
};

typedef struct {
	const struct gnutls_cipher_suite_entry_st *cs;
	const version_entry_st *pversion;
} security_parameters_st;

typedef struct {
	void *transport_recv_ptr;	/* the fd, when the application gave one */
} internals_st;

struct gnutls_session_int {
	security_parameters_st security_parameters;
	internals_st internals;
};

#pragma clang attribute pop

/* The negotiated suite's IANA-style name, else GnuTLS's own. */
static __always_inline void gnutls_cipher_name(const struct gnutls_session_int *s, char *out)
{
	const struct gnutls_cipher_suite_entry_st *cs;
	const char *name = NULL;

	cs = BPF_CORE_READ_USER(s, security_parameters.cs);
	if (cs && bpf_core_field_exists(cs->canonical_name))
		name = BPF_CORE_READ_USER(cs, canonical_name);
	if (cs && !name)
		name = BPF_CORE_READ_USER(cs, name);
	if (!name || bpf_probe_read_user_str(out, SSLSNIFF_CIPHER_LEN, name) < 0)
		out[0] = '\0';
}

/*
 * The transport pointer as an fd (gnutls_transport_set_int() stores it
 * there), and with META the protocol version and the cipher name. An application with its
 * own pull function keeps a pointer there instead: the caller checks that
 * the value names a socket of the task. Dead code, relocations unchecked,
 * when the program was loaded without GnuTLS's BTF.
 */
static __always_inline bool gnutls_read_conn(const void *session, __s32 *fd, __u16 *version,
					     char *cipher, const bool meta)
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
	gnutls_cipher_name(s, cipher);
	return true;
}

#endif /* __GNUTLS_BPF_H */
