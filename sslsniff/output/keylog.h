/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_KEYLOG_H
#define __SSLSNIFF_KEYLOG_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "sslsniff.h"

/*
 * The TLS key log (NSS key log format, as SSLKEYLOGFILE): from the secrets
 * the BPF program reads out of a connection's structs, the lines Wireshark
 * needs to decrypt it, each written once and flushed at once.
 */
struct keylog;

/* Lines go to F (owned: closed by keylog__free). NULL on ENOMEM. */
struct keylog *keylog__new(FILE *f);
void keylog__free(struct keylog *k);

/*
 * Formats the key log lines of one EV_SECRETS record into BUF: CLIENT_RANDOM
 * for TLS 1.2 and earlier, the five TLS 1.3 secrets otherwise (derived as
 * the library derives them). Returns the length, 0 when the record holds
 * nothing usable (no session yet, a hash it cannot tell).
 */
size_t keylog_format(const struct event *ev, const struct tls_secrets *s, char *buf, size_t size);

#define KEYLOG_LINES_MAX	2048

/*
 * Writes the lines of LINES (LEN bytes, from keylog_format) not written
 * before. 0, or -errno when the file can take no more.
 */
int keylog__write(struct keylog *k, const char *lines, size_t len);

#endif
