// SPDX-License-Identifier: GPL-2.0
/*
 * A TLS server and client handing OpenSSL their sockets with SSL_set_fd
 * (as nginx and wrk do), for t-syscalls-lazy.sh: it imports neither
 * SSL_set_bio nor BIO_meth_new.
 *
 *   fd_pair pair CERT KEY FILE    client and server in one process: the
 *                                 client sends FILE, the server echoes it,
 *                                 the client writes the reply to stdout
 *   fd_pair serve CERT KEY FILE   one connection on a free port (printed
 *                                 as "ready PORT"): reads once, replies FILE
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

static int listener;
static SSL_CTX *server_ctx;
static const char *reply_file;	/* serve: the reply; pair: NULL, an echo */

static void die(const char *what)
{
	fprintf(stderr, "fd_pair: %s\n", what);
	ERR_print_errors_fp(stderr);
	exit(1);
}

static int read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		die("cannot open a file to send");
	n = fread(buf, 1, size, f);
	fclose(f);
	return (int)n;
}

static void *serve_one(void *arg)
{
	char buf[4096];
	int fd = accept(listener, NULL, NULL), n;
	SSL *ssl = SSL_new(server_ctx);

	(void)arg;
	if (fd < 0 || !ssl || !SSL_set_fd(ssl, fd) || SSL_accept(ssl) != 1)
		die("server handshake failed");
	n = SSL_read(ssl, buf, sizeof(buf));
	if (n > 0 && reply_file)
		n = read_file(reply_file, buf, sizeof(buf));
	if (n <= 0 || SSL_write(ssl, buf, n) != n)
		die("server reply failed");
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	char req[4096], reply[4096];
	int fd, n, nreq, got = 0;
	SSL_CTX *client_ctx;
	pthread_t server;
	SSL *ssl;

	if (argc != 5 || (strcmp(argv[1], "pair") && strcmp(argv[1], "serve")))
		die("usage: fd_pair pair|serve CERT KEY FILE");
	server_ctx = SSL_CTX_new(TLS_server_method());
	client_ctx = SSL_CTX_new(TLS_client_method());
	if (!server_ctx || !client_ctx ||
	    SSL_CTX_use_certificate_file(server_ctx, argv[2], SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_use_PrivateKey_file(server_ctx, argv[3], SSL_FILETYPE_PEM) != 1)
		die("cannot set up the contexts");
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(listener, 1) || getsockname(listener, (struct sockaddr *)&sa, &len))
		die("cannot listen");
	if (!strcmp(argv[1], "serve")) {
		reply_file = argv[4];
		printf("ready %d\n", ntohs(sa.sin_port));
		fflush(stdout);
		serve_one(NULL);
		return 0;
	}
	nreq = read_file(argv[4], req, sizeof(req));
	pthread_create(&server, NULL, serve_one, NULL);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ssl = SSL_new(client_ctx);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || !ssl ||
	    !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1)
		die("client handshake failed");
	if (nreq <= 0 || SSL_write(ssl, req, nreq) != nreq)
		die("client write failed");
	while (got < nreq && (n = SSL_read(ssl, reply + got, sizeof(reply) - got)) > 0)
		got += n;
	fwrite(reply, 1, got, stdout);
	pthread_join(server, NULL);
	SSL_free(ssl);
	close(fd);
	return got == nreq ? 0 : 1;
}
