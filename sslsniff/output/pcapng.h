/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_PCAPNG_H
#define __SSLSNIFF_PCAPNG_H

#include <stdint.h>
#include <sys/uio.h>

/*
 * A pcapng writer: one section, one interface of raw IPv4/IPv6 packets
 * (LINKTYPE_RAW) with nanosecond timestamps, and Enhanced Packet Blocks.
 * Blocks wait in memory and go out together, in one write(2), once they
 * fill 256 KiB and at pcapng__flush(): the file holds whole blocks only.
 */
struct pcapng;

/* Largest packet pcapng__packet() takes (the interface's snaplen). */
#define PCAPNG_SNAPLEN	262144

/*
 * Writes the Section Header Block (shb_userappl USERAPPL, shb_os from
 * uname) and the Interface Description Block to FD, which stays the
 * caller's. NULL with errno set when that fails.
 */
struct pcapng *pcapng__new(int fd, const char *userappl);

/*
 * One packet: the concatenation of IOV, stamped TS_NS (nanoseconds since
 * the epoch), with COMMENT (may be NULL) as its opt_comment. 0 or -errno;
 * after a failed write every later call fails with the same error, since
 * the file may end in a partial block.
 */
int pcapng__packet(struct pcapng *p, uint64_t ts_ns, const struct iovec *iov, int iovcnt,
		   const char *comment);

/*
 * A Decryption Secrets Block of TLS key log lines (NSS key log format, LEN
 * bytes): Wireshark uses it to decrypt the TLS packets that follow it in
 * this file or in one merged with it (mergecap). 0 or -errno, as above.
 */
int pcapng__tls_secrets(struct pcapng *p, const char *lines, size_t len);

/*
 * Describes one more interface (LINKTYPE, e.g. 1 for Ethernet) whose
 * packets go in with pcapng__packet_on(). Returns its id or -errno.
 */
int pcapng__add_interface(struct pcapng *p, uint16_t linktype, const char *name,
			  const char *desc);

/* pcapng__packet() on interface IFID. */
int pcapng__packet_on(struct pcapng *p, uint32_t ifid, uint64_t ts_ns, const struct iovec *iov,
		      int iovcnt, const char *comment);

/*
 * An interface's counts since the capture started, for its Interface
 * Statistics Block. Packets in pcapng's sense: for the synthetic interface
 * a packet is a TLS call.
 */
struct pcapng_if_stats {
	uint64_t start_ns, end_ns;	/* since the epoch */
	uint64_t ifrecv;		/* seen where the interface's packets come from */
	uint64_t ifdrop;		/* lost there, for want of room (ring buffer full) */
	uint64_t filteraccept;		/* taken by the capture's filters */
	uint64_t osdrop;		/* lost by the kernel before the capture saw them */
};

/*
 * An Interface Statistics Block for interface IFID (isb_starttime,
 * isb_endtime, isb_ifrecv, isb_ifdrop, isb_filteraccept, isb_osdrop and
 * isb_usrdeliv: the packets written on it), with COMMENT (may be NULL) for
 * the counts pcapng has no option for. 0 or -errno, as above.
 */
int pcapng__interface_stats(struct pcapng *p, uint32_t ifid, const struct pcapng_if_stats *s,
			    const char *comment);

/*
 * Writes the blocks that wait. 0 or -errno; after a failed write every
 * later call fails with the same error.
 */
int pcapng__flush(struct pcapng *p);

/* Writes what waits (errors ignored: flush first to see them), frees the
 * writer; the file descriptor is left open. */
void pcapng__close(struct pcapng *p);

#endif
