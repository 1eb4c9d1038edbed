/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ALPN protocol a library selected, wherever it keeps it, into a
 * record's header: read once per connection with the version and cipher
 * (the connection cache keeps it), not on every call.
 */
#ifndef __ALPN_BPF_H
#define __ALPN_BPF_H

#define ALPN_NAME_MAX	255	/* RFC 7301: a protocol name is 1 to 255 bytes */

/*
 * LEN bytes at P, the library's copy of the selected name. Anything out of
 * RFC 7301's range is not a name (a layout misread, a freed buffer) and
 * leaves the record without one.
 */
static __always_inline void alpn_read(char *out, __u8 *out_len, const void *p, __u64 len)
{
	__u32 n = len > SSLSNIFF_ALPN_LEN ? SSLSNIFF_ALPN_LEN : len;

	if (!p || !len || len > ALPN_NAME_MAX)
		return;
	/* The verifier must see 0 < n <= SSLSNIFF_ALPN_LEN itself. */
	barrier_var(n);
	if (n == 0 || n > SSLSNIFF_ALPN_LEN)
		return;
	if (bpf_probe_read_user(out, n, p))
		return;
	*out_len = len;
}

#endif /* __ALPN_BPF_H */
