/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_TCP_SYNTH_H
#define __SSLSNIFF_TCP_SYNTH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Made-up TCP/IP packets of one stream: IPv4 or IPv6 and TCP headers with
 * their checksums, around bytes that the caller keeps.
 */

/* IPv4's total length is 16 bits (IPv6 would allow 20 bytes more): one limit. */
#define TCP_SYNTH_SEG_MAX	(65535 - 20 - 20)
/* The longest base comment taken whole, with its NUL. */
#define TCP_SYNTH_COMMENT_LEN	512

/* One stream's ends as its packets show them; the caller sets them. */
struct tcp_stream {
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint16_t lport, rport;	/* host order */
	uint16_t ip_id;		/* IPv4's identification of the next packet */
	uint32_t lseq, rseq;	/* next sequence number of each end */
	uint8_t laddr[16], raddr[16];	/* IPv4 in the first 4 bytes */
};

/*
 * Where the packets go (pcapng__packet(), or a test): the packet is the
 * concatenation of IOV, COMMENT its packet comment. 0 or -errno, which
 * stops the record and is returned.
 */
struct tcp_sink {
	int (*packet)(void *ctx, uint64_t ts_ns, const struct iovec *iov, int iovcnt,
		      const char *comment);
	void *ctx;
};

/*
 * SYN, SYN-ACK, ACK with the local end as the client, commented "made-up
 * TCP handshake, before COMMENT"; each end's sequence then counts from
 * its ISN + 1. 0 or the sink's -errno.
 */
int tcp_synth_handshake(struct tcp_stream *t, const struct tcp_sink *out, uint64_t ts_ns,
			const char *comment);

/*
 * LEN bytes of DATA sent by one end (FROM_LOCAL: the local end), as
 * segments of at most TCP_SYNTH_SEG_MAX bytes, PSH on the last; then GAP
 * bytes that were not captured, skipped in the sequence. COMMENT goes on
 * each, with " segment I/N" when there are several. 0 or the sink's -errno.
 */
int tcp_synth_data(struct tcp_stream *t, const struct tcp_sink *out, bool from_local,
		   const uint8_t *data, uint32_t len, uint32_t gap, uint64_t ts_ns,
		   const char *comment);

#endif
