// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "output/output.h"

static const struct output_ops *const outputs[] = { &out_text_ops, &out_json_ops };

const struct output_ops *output_find(const char *name)
{
	for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++) {
		if (!strcmp(outputs[i]->name, name))
			return outputs[i];
	}
	return NULL;
}

int output_write(FILE *f, const void *buf, size_t len)
{
	off_t start = lseek(fileno(f), 0, SEEK_CUR);
	size_t n;
	int err;

	errno = 0;
	n = len ? fwrite(buf, 1, len, f) : 0;
	if (n == len)
		return 0;
	err = errno ? -errno : -EIO;
	/*
	 * A full disk took part of BUF: a file cut back to where it was ends
	 * on a whole record. (F held nothing back before: its writer's FILE
	 * is unbuffered, or flushed after each record.) A pipe cannot be.
	 */
	if (n && start >= 0)
		(void)!ftruncate(fileno(f), start);
	return err;
}

/* V in decimal at P; returns the end. */
static char *put_decimal(char *p, unsigned int v)
{
	char b[10];
	int n = 0;

	do {
		b[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = b[--n];
	return p;
}

static void format_addr(int family, const __u8 *addr, __u16 port, char out[CONN_ADDR_LEN])
{
	char a[INET6_ADDRSTRLEN], *p = out;

	/* IPv4 by hand: every record names its connection, and snprintf
	 * costs more than the rest of a small record's formatting. */
	if (family == AF_INET) {
		for (int i = 0; i < 4; i++) {
			p = put_decimal(p, addr[i]);
			*p++ = i < 3 ? '.' : ':';
		}
		*put_decimal(p, port) = '\0';
		return;
	}
	inet_ntop(family, addr, a, sizeof(a));
	snprintf(out, CONN_ADDR_LEN, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

bool output_conn(const struct event *ev, char src[CONN_ADDR_LEN], char dst[CONN_ADDR_LEN])
{
	src[0] = dst[0] = '\0';
	if (ev->family != AF_INET && ev->family != AF_INET6)
		return false;
	format_addr(ev->family, ev->saddr, ev->sport, src);
	format_addr(ev->family, ev->daddr, ev->dport, dst);
	return true;
}

const char *output_fd_source(const struct event *ev)
{
	if (ev->fd < 0)
		return NULL;
	switch (ev->fd_source) {
	case FD_SRC_SYSCALL:
		return "syscall";
	case FD_SRC_STRUCT:
		return "struct";
	default:
		return NULL;
	}
}

const char *output_tls_version(const struct event *ev)
{
	switch (ev->tls_version) {
	case 0x0300:
		return "SSLv3";
	case 0x0301:
		return "TLSv1";
	case 0x0302:
		return "TLSv1.1";
	case 0x0303:
		return "TLSv1.2";
	case 0x0304:
		return "TLSv1.3";
	case 0xfeff:
		return "DTLSv1";
	case 0xfefd:
		return "DTLSv1.2";
	default:
		return NULL;
	}
}
