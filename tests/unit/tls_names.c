// SPDX-License-Identifier: GPL-2.0
/*
 * tls_event_cipher(): the name the library gave wins; without one, the
 * suite's id names it as that library spells it.
 */
#include "tls_names.h"
#include "unit.h"

int main(void)
{
	struct event ev = { .func = FUNC_GNUTLS_RECORD_SEND, .cipher_id = 0x1302 };

	CHECK_STR(tls_event_cipher(&ev), "TLS_AES_256_GCM_SHA384");
	ev.cipher_id = 0xc02c;
	CHECK_STR(tls_event_cipher(&ev), "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
	ev.func = FUNC_SSL_READ_EX;
	CHECK_STR(tls_event_cipher(&ev), "ECDHE-ECDSA-AES256-GCM-SHA384");
	ev.cipher_id = 0xcca9;
	CHECK_STR(tls_event_cipher(&ev), "ECDHE-ECDSA-CHACHA20-POLY1305");
	ev.cipher_id = 0x1301;
	CHECK_STR(tls_event_cipher(&ev), "TLS_AES_128_GCM_SHA256");
	strcpy(ev.cipher, "GNUTLS_AES_128_GCM_SHA256");
	CHECK_STR(tls_event_cipher(&ev), "GNUTLS_AES_128_GCM_SHA256");
	memset(ev.cipher, 0, sizeof(ev.cipher));
	ev.cipher_id = 0x00ff;	/* TLS_EMPTY_RENEGOTIATION_INFO_SCSV: never negotiated */
	CHECK(!tls_event_cipher(&ev));
	ev.cipher_id = 0;
	CHECK(!tls_event_cipher(&ev));
	ev.cipher_id = 0x1302;
	ev.func = 0;
	CHECK(!tls_event_cipher(&ev));
	UNIT_DONE("tls_names");
}
