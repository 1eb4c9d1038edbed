/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_TLS_FUNCS_H
#define __SSLSNIFF_TLS_FUNCS_H

#include <stdbool.h>
#include <linux/types.h>
#include "sslsniff.h"

enum direction {
	DIR_NONE,	/* a handshake */
	DIR_READ,
	DIR_WRITE,
};

/* One hooked library function: the table behind probes and output names. */
struct tls_func_info {
	enum tls_func func;
	enum tls_library lib;
	enum direction dir;
	const char *symbol;
};

/* NULL for a value outside enum tls_func. */
const struct tls_func_info *tls_func_info(unsigned int func);
const char *tls_library_name(unsigned int lib);
/* Probed at its entry alone: its arguments are all it gives (Go's writeKeyLog). */
bool tls_func_entry_only(unsigned int func);
/* Where a connection's keys are final: all that -i probes (the handshakes'
 * returns, Go's key log writer). */
bool tls_func_keys_final(unsigned int func);
/* Parses "openssl", "gnutls", "nss" or "go"; 0 when unknown. */
enum tls_library tls_library_parse(const char *name);

#endif
