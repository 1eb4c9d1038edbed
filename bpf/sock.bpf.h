/* SPDX-License-Identifier: GPL-2.0 */
/*
 * From a file descriptor of the current task to its socket's addresses,
 * with kernel CO-RE: task->files->fdt->fd[fd]->private_data->sk.
 */
#ifndef __SOCK_BPF_H
#define __SOCK_BPF_H

#define AF_INET		2
#define AF_INET6	10
#define S_IFMT		00170000
#define S_IFSOCK	0140000

/* The socket behind FD in the current task, or NULL for anything else. */
static __always_inline struct socket *fd_socket(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;
	umode_t mode;

	if (fd < 0 || !fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(file, private_data);
}

/* Family, addresses and ports of the socket behind FD, into H. */
static __always_inline void fill_conn(struct event *h, int fd)
{
	struct socket *sock = fd_socket(fd);
	struct sock_common *sk;
	__u16 family;

	if (!sock)
		return;
	sk = (struct sock_common *)BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	family = BPF_CORE_READ(sk, skc_family);
	if (family == AF_INET) {
		BPF_CORE_READ_INTO((__u32 *)h->saddr, sk, skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)h->daddr, sk, skc_daddr);
	} else if (family == AF_INET6 && bpf_core_field_exists(sk->skc_v6_daddr)) {
		/* A kernel without CONFIG_IPV6 has no such fields: the test is
		 * then a constant false, the reads below dead code the verifier
		 * drops instead of refusing the program for their relocations. */
		BPF_CORE_READ_INTO((struct in6_addr *)h->saddr, sk, skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO((struct in6_addr *)h->daddr, sk, skc_v6_daddr);
	} else {
		return;
	}
	h->family = family;
	h->sport = BPF_CORE_READ(sk, skc_num);
	h->dport = bpf_ntohs(BPF_CORE_READ(sk, skc_dport));
}

#endif /* __SOCK_BPF_H */
