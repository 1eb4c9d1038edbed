/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NSPR's PRFileDesc. Unlike the SSL structs of OpenSSL, this one is public
 * API (prio.h) and its layout has not changed since NSPR 4.0, so it is read
 * with its documented layout rather than relocated against library BTF.
 */
#ifndef __NSPR_BPF_H
#define __NSPR_BPF_H

/* PR_NSPR_IO_LAYER: the identity of NSPR's own bottom layer (prio.h). */
#define PR_NSPR_IO_LAYER	0

struct PRFileDesc {
	void *methods;
	void *secret;
	struct PRFileDesc *lower;
	struct PRFileDesc *higher;
	void *dtor;
	__s32 identity;
};

/*
 * NSS pushes its SSL layer on top of an NSPR socket (SSL_ImportFD), so a
 * descriptor whose top layer is NSPR's own is a plain file or socket and its
 * PR_Read/PR_Write carry no TLS plaintext. Any other layer is captured.
 */
static __always_inline bool nspr_fd_is_layered(const struct PRFileDesc *fd)
{
	__s32 identity = PR_NSPR_IO_LAYER;

	if (!fd || bpf_probe_read_user(&identity, sizeof(identity), &fd->identity))
		return false;
	return identity != PR_NSPR_IO_LAYER;
}

#endif /* __NSPR_BPF_H */
