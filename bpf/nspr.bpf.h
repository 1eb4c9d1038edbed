/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NSPR's PRFileDesc is public API (prio.h) and its layout has not changed
 * since NSPR 4.0, so it is read with its documented layout. What a socket
 * layer keeps behind its secret pointer is private (primpl.h): that is
 * relocated with CO-RE against NSPR's BTF (btf-db/).
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

/* pr/include/private/primpl.h and md/_unixos.h */
struct _MDFileDesc {
	int osfd;
} __attribute__((preserve_access_index));

struct PRFilePrivate {
	struct _MDFileDesc md;
} __attribute__((preserve_access_index));

#define NSPR_MAX_LAYERS	8

/*
 * The OS fd under an NSS socket: down the layers (SSL, and any the
 * application pushed) to NSPR's own, whose secret holds it. Dead code
 * when the program was loaded without NSPR's BTF.
 */
static __always_inline bool nspr_read_conn(const struct PRFileDesc *fd, __s32 *osfd)
{
	const struct PRFilePrivate *secret;
	__s32 identity;

	if (!bpf_core_type_exists(struct PRFilePrivate))
		return false;
	for (int i = 0; i < NSPR_MAX_LAYERS && fd; i++) {
		if (bpf_probe_read_user(&identity, sizeof(identity), &fd->identity))
			return false;
		if (identity == PR_NSPR_IO_LAYER) {
			if (bpf_probe_read_user(&secret, sizeof(secret), &fd->secret) || !secret)
				return false;
			return !bpf_core_read_user(osfd, sizeof(*osfd), &secret->md.osfd);
		}
		if (bpf_probe_read_user(&fd, sizeof(fd), &fd->lower))
			return false;
	}
	return false;
}

#endif /* __NSPR_BPF_H */
