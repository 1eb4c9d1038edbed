// SPDX-License-Identifier: GPL-2.0
/*
 * The tight loop bench/bpf-cost.py times sslsniff's BPF programs over: a
 * TLS client and server in one process on 127.0.0.1 (OpenSSL, sockets by
 * SSL_set_fd as nginx and wrk do, so the fd comes from the structs), the
 * client sending SIZE bytes and the server echoing them, CALLS times.
 * Each round is one SSL_write at each end and as many SSL_reads as the
 * records take (one up to 16 KiB).
 *
 *   bpf_cost CERT KEY SIZE CALLS   prints "calls W R" (SSL_write and
 *                                  SSL_read calls made, both ends) at the end
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

struct loop {
	int listener;
	SSL_CTX *ctx;
	size_t size;
	long rounds;
	long reads;	/* the server's SSL_read calls */
};

static void die(const char *what)
{
	fprintf(stderr, "bpf_cost: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

/* SIZE bytes into BUF, however many records they come in; the calls made. */
static long read_all(SSL *ssl, char *buf, size_t size)
{
	size_t got = 0;
	long calls = 0;
	int n;

	while (got < size) {
		n = SSL_read(ssl, buf + got, (int)(size - got));
		if (n <= 0)
			die("read failed");
		got += n;
		calls++;
	}
	return calls;
}

/* No Nagle: a round's last segment would wait for the peer's delayed ACK. */
static void nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("cannot set TCP_NODELAY");
}

static void *serve(void *arg)
{
	struct loop *l = arg;
	char *buf = malloc(l->size);
	int fd = accept(l->listener, NULL, NULL);
	SSL *ssl = SSL_new(l->ctx);

	if (fd >= 0)
		nodelay(fd);
	if (!buf || fd < 0 || !ssl || !SSL_set_fd(ssl, fd) || SSL_accept(ssl) != 1)
		die("server handshake failed");
	for (long i = 0; i < l->rounds; i++) {
		l->reads += read_all(ssl, buf, l->size);
		if (SSL_write(ssl, buf, (int)l->size) != (int)l->size)
			die("server write failed");
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct loop l = { 0 };
	socklen_t len = sizeof(sa);
	SSL_CTX *client_ctx;
	long reads = 0;
	pthread_t server;
	char *buf;
	SSL *ssl;
	int fd;

	if (argc != 5)
		die("usage: bpf_cost CERT KEY SIZE CALLS");
	l.size = strtoul(argv[3], NULL, 0);
	l.rounds = strtol(argv[4], NULL, 0);
	if (!l.size || l.size > (1 << 30) || l.rounds <= 0)
		die("bad SIZE or CALLS");
	l.ctx = SSL_CTX_new(TLS_server_method());
	client_ctx = SSL_CTX_new(TLS_client_method());
	if (!l.ctx || !client_ctx ||
	    SSL_CTX_use_certificate_file(l.ctx, argv[1], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(l.ctx, argv[2], SSL_FILETYPE_PEM) != 1)
		die("cannot set up the contexts");
	l.listener = socket(AF_INET, SOCK_STREAM, 0);
	if (l.listener < 0 || bind(l.listener, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(l.listener, 1) || getsockname(l.listener, (struct sockaddr *)&sa, &len))
		die("cannot listen");
	buf = malloc(l.size);
	if (!buf)
		die("out of memory");
	memset(buf, 'x', l.size);
	pthread_create(&server, NULL, serve, &l);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ssl = SSL_new(client_ctx);
	if (fd >= 0)
		nodelay(fd);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || !ssl ||
	    !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1)
		die("client handshake failed");
	for (long i = 0; i < l.rounds; i++) {
		if (SSL_write(ssl, buf, (int)l.size) != (int)l.size)
			die("client write failed");
		reads += read_all(ssl, buf, l.size);
	}
	pthread_join(server, NULL);
	printf("calls %ld %ld\n", 2 * l.rounds, reads + l.reads);
	SSL_free(ssl);
	close(fd);
	free(buf);
	return 0;
}
