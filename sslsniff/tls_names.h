/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_TLS_NAMES_H
#define __SSLSNIFF_TLS_NAMES_H

#include <stdint.h>
#include <linux/types.h>
#include "sslsniff.h"

/*
 * The name LIB gives cipher suite ID (IANA's TLS Cipher Suites registry):
 * OpenSSL's own for LIB_OPENSSL, else IANA's, which GnuTLS's canonical
 * names are from 3.7.3 on. NULL for a suite not in the table.
 */
const char *tls_suite_name(uint16_t id, enum tls_library lib);

/*
 * EV's cipher suite: the library's name for it, else the name of its id as
 * the library would give it; NULL when unknown. At most SSLSNIFF_CIPHER_LEN
 * bytes. For the writers and the key log's hash alike.
 */
const char *tls_event_cipher(const struct event *ev);

#endif
