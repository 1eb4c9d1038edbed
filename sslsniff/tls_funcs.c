// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>
#include <string.h>
#include "tls_funcs.h"

static const struct tls_func_info funcs[FUNC__MAX] = {
	[FUNC_SSL_READ]		  = { FUNC_SSL_READ, LIB_OPENSSL, DIR_READ, "SSL_read" },
	[FUNC_SSL_WRITE]	  = { FUNC_SSL_WRITE, LIB_OPENSSL, DIR_WRITE, "SSL_write" },
	[FUNC_SSL_READ_EX]	  = { FUNC_SSL_READ_EX, LIB_OPENSSL, DIR_READ, "SSL_read_ex" },
	[FUNC_SSL_WRITE_EX]	  = { FUNC_SSL_WRITE_EX, LIB_OPENSSL, DIR_WRITE, "SSL_write_ex" },
	[FUNC_SSL_DO_HANDSHAKE]	  = { FUNC_SSL_DO_HANDSHAKE, LIB_OPENSSL, DIR_NONE,
				      "SSL_do_handshake" },
	[FUNC_GNUTLS_RECORD_RECV] = { FUNC_GNUTLS_RECORD_RECV, LIB_GNUTLS, DIR_READ,
				      "gnutls_record_recv" },
	[FUNC_GNUTLS_RECORD_SEND] = { FUNC_GNUTLS_RECORD_SEND, LIB_GNUTLS, DIR_WRITE,
				      "gnutls_record_send" },
	[FUNC_PR_READ]		  = { FUNC_PR_READ, LIB_NSS, DIR_READ, "PR_Read" },
	[FUNC_PR_WRITE]		  = { FUNC_PR_WRITE, LIB_NSS, DIR_WRITE, "PR_Write" },
	[FUNC_PR_RECV]		  = { FUNC_PR_RECV, LIB_NSS, DIR_READ, "PR_Recv" },
	[FUNC_PR_SEND]		  = { FUNC_PR_SEND, LIB_NSS, DIR_WRITE, "PR_Send" },
	/* In .symtab: Go exports nothing. */
	[FUNC_GO_TLS_READ]	  = { FUNC_GO_TLS_READ, LIB_GO, DIR_READ, "crypto/tls.(*Conn).Read" },
	[FUNC_GO_TLS_WRITE]	  = { FUNC_GO_TLS_WRITE, LIB_GO, DIR_WRITE,
				      "crypto/tls.(*Conn).Write" },
	/* With -i only (target_file.c). */
	[FUNC_GNUTLS_HANDSHAKE]	  = { FUNC_GNUTLS_HANDSHAKE, LIB_GNUTLS, DIR_NONE,
				      "gnutls_handshake" },
	/* With --keylog or -i only. */
	[FUNC_GO_WRITE_KEY_LOG]	  = { FUNC_GO_WRITE_KEY_LOG, LIB_GO, DIR_NONE,
				      "crypto/tls.(*Config).writeKeyLog" },
};

static const char *const lib_names[] = {
	[LIB_OPENSSL] = "openssl",
	[LIB_GNUTLS] = "gnutls",
	[LIB_NSS] = "nss",
	[LIB_GO] = "go",
};

const struct tls_func_info *tls_func_info(unsigned int func)
{
	if (func >= FUNC__MAX || !funcs[func].symbol)
		return NULL;
	return &funcs[func];
}

bool tls_func_entry_only(unsigned int func)
{
	return func == FUNC_GO_WRITE_KEY_LOG;
}

bool tls_func_keys_final(unsigned int func)
{
	return func == FUNC_SSL_DO_HANDSHAKE || func == FUNC_GNUTLS_HANDSHAKE ||
	       func == FUNC_GO_WRITE_KEY_LOG;
}

const char *tls_library_name(unsigned int lib)
{
	if (lib >= sizeof(lib_names) / sizeof(lib_names[0]) || !lib_names[lib])
		return "unknown";
	return lib_names[lib];
}

enum tls_library tls_library_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(lib_names) / sizeof(lib_names[0]); i++) {
		if (lib_names[i] && !strcmp(name, lib_names[i]))
			return i;
	}
	return 0;
}
