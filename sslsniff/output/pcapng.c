// SPDX-License-Identifier: GPL-2.0
/*
 * pcapng blocks, as draft-ietf-opsawg-pcapng (the "PCAP Next Generation
 * Dump File Format") lays them out: in host byte order, told apart by the
 * byte-order magic; every block and option padded to 4 bytes; the block's
 * total length at both ends. Each block is sized first and assembled after
 * the blocks that wait in one buffer; the buffer goes out in one write(2)
 * once it holds PCAPNG_FLUSH_BYTES, and at every pcapng__flush(). So a
 * write(2) costs little per block, a reader following a pipe waits at most
 * until the next flush, and a file left by a kill ends on a block boundary
 * unless the kill lands inside a write. A write cut short by a full disk
 * is taken back (the file truncated to where it was).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "output/pcapng.h"

/* Block types and option codes (section 4 and 11 of the draft). */
#define BT_SHB			0x0A0D0D0AU
#define BT_IDB			0x00000001U
#define BT_ISB			0x00000005U
#define BT_EPB			0x00000006U
#define BT_DSB			0x0000000AU	/* Decryption Secrets Block */
#define SECRETS_TLS_KEY_LOG	0x544c534bU	/* "TLSK": NSS key log lines */
#define BYTE_ORDER_MAGIC	0x1A2B3C4DU
#define OPT_ENDOFOPT		0
#define OPT_COMMENT		1
#define SHB_OS			3
#define SHB_USERAPPL		4
#define IF_NAME			2
#define IF_DESCRIPTION		3
#define IF_TSRESOL		9
#define ISB_STARTTIME		2
#define ISB_ENDTIME		3
#define ISB_IFRECV		4
#define ISB_IFDROP		5
#define ISB_FILTERACCEPT	6
#define ISB_OSDROP		7
#define ISB_USRDELIV		8
#define MAX_IFS			8	/* whose packets are counted for isb_usrdeliv */
#define LINKTYPE_RAW		101	/* raw IPv4 or IPv6, told by the version nibble */
#define TSRESOL_NS		9	/* 10^-9 s */

/* Write the waiting blocks once they fill this much. */
#define PCAPNG_FLUSH_BYTES	(256 << 10)

/* Type, total length ... total length. */
#define BLOCK_OVERHEAD		12
#define OPT_MAX_LEN		0xffff	/* option lengths are 16 bits */

struct pcapng {
	int fd;
	int err;		/* sticky: the file may end in a partial block */
	uint8_t *buf;		/* blocks waiting, then the one being assembled */
	size_t len, cap;
	size_t start;		/* where the block being assembled starts */
	uint32_t nr_ifs;	/* interfaces described so far */
	uint64_t written[MAX_IFS];	/* packets per interface */
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* A string option's value length: longer ones are cut to fit 16 bits. */
static uint16_t opt_len(const char *s)
{
	size_t n = strlen(s);

	return n < OPT_MAX_LEN ? n : OPT_MAX_LEN;
}

/* An option's size on disk; 0 for an absent one. */
static size_t opt_size(const char *s)
{
	return s ? 4 + pad4(opt_len(s)) : 0;
}

/* Room for N more bytes after those waiting. */
static int pcapng_reserve(struct pcapng *p, size_t n)
{
	size_t want = p->len + n;
	uint8_t *b;

	if (want <= p->cap)
		return 0;
	if (want < PCAPNG_FLUSH_BYTES + 64 * 1024)
		want = PCAPNG_FLUSH_BYTES + 64 * 1024;
	b = realloc(p->buf, want);
	if (!b)
		return -ENOMEM;
	p->buf = b;
	p->cap = want;
	return 0;
}

/* Appends N bytes, then zeros up to the next multiple of 4. */
static void put(struct pcapng *p, const void *d, size_t n)
{
	if (n)
		memcpy(p->buf + p->len, d, n);
	memset(p->buf + p->len + n, 0, pad4(n) - n);
	p->len += pad4(n);
}

static void put_u32(struct pcapng *p, uint32_t v)
{
	put(p, &v, sizeof(v));
}

static void put_opt(struct pcapng *p, uint16_t code, const void *d, uint16_t n)
{
	uint16_t h[2] = { code, n };

	put(p, h, sizeof(h));
	put(p, d, n);
}

static void put_opt_str(struct pcapng *p, uint16_t code, const char *s)
{
	if (s)
		put_opt(p, code, s, opt_len(s));
}

/*
 * Starts a block of BODY bytes before its options and OPTS bytes of
 * options (end-of-options included): reserves room for all of it.
 */
static int block_begin(struct pcapng *p, uint32_t type, size_t body, size_t opts)
{
	size_t total = BLOCK_OVERHEAD + body + opts;
	int err = pcapng_reserve(p, total);

	if (err)
		return err;
	p->start = p->len;
	put_u32(p, type);
	put_u32(p, total);
	return 0;
}

static void put_end_opts(struct pcapng *p)
{
	put_opt(p, OPT_ENDOFOPT, NULL, 0);
}

int pcapng__flush(struct pcapng *p)
{
	off_t start = lseek(p->fd, 0, SEEK_CUR);
	size_t off = 0;

	if (p->err)
		return p->err;
	while (off < p->len) {
		ssize_t n = write(p->fd, p->buf + off, p->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			p->err = n < 0 ? -errno : -EIO;
			/* A full disk: the file cut back to its last whole block. */
			if (off && start >= 0)
				(void)!ftruncate(p->fd, start);
			return p->err;
		}
		off += n;
	}
	p->len = 0;
	return 0;
}

/* Writes the trailing length; the block then waits with the others. */
static int block_end(struct pcapng *p)
{
	put_u32(p, p->len - p->start + 4);
	return p->len >= PCAPNG_FLUSH_BYTES ? pcapng__flush(p) : 0;
}

static int write_shb(struct pcapng *p, const char *userappl)
{
	struct utsname u;
	char os[2 * sizeof(u.release) + 2] = "";
	uint16_t version[2] = { 1, 0 };
	int64_t section_len = -1;	/* not known: the file grows */
	int err;

	if (!uname(&u))
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	err = block_begin(p, BT_SHB, 16,
			  opt_size(os[0] ? os : NULL) + opt_size(userappl) + 4);
	if (err)
		return err;
	put_u32(p, BYTE_ORDER_MAGIC);
	put(p, version, sizeof(version));
	put(p, &section_len, sizeof(section_len));
	put_opt_str(p, SHB_OS, os[0] ? os : NULL);
	put_opt_str(p, SHB_USERAPPL, userappl);
	put_end_opts(p);
	return block_end(p);
}

static int write_idb(struct pcapng *p, uint16_t linktype, const char *name, const char *desc)
{
	uint16_t link[2] = { linktype, 0 };
	uint8_t tsresol = TSRESOL_NS;
	int err;

	err = block_begin(p, BT_IDB, 8, opt_size(name) + opt_size(desc) + 8 + 4);
	if (err)
		return err;
	put(p, link, sizeof(link));
	put_u32(p, PCAPNG_SNAPLEN);
	put_opt_str(p, IF_NAME, name);
	put_opt_str(p, IF_DESCRIPTION, desc);
	put_opt(p, IF_TSRESOL, &tsresol, 1);
	put_end_opts(p);
	return block_end(p);
}

struct pcapng *pcapng__new(int fd, const char *userappl)
{
	struct pcapng *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return NULL;
	p->fd = fd;
	err = write_shb(p, userappl);
	if (!err)
		err = write_idb(p, LINKTYPE_RAW, "sslsniff", "TLS plaintext as synthetic TCP streams");
	p->nr_ifs = 1;
	/* The header goes out now: a reader of the pipe can start. */
	if (!err)
		err = pcapng__flush(p);
	if (err) {
		pcapng__close(p);
		errno = -err;
		return NULL;
	}
	return p;
}

int pcapng__add_interface(struct pcapng *p, uint16_t linktype, const char *name,
			  const char *desc)
{
	int err;

	if (p->err)
		return p->err;
	err = write_idb(p, linktype, name, desc);
	return err ? err : (int)p->nr_ifs++;
}

int pcapng__packet(struct pcapng *p, uint64_t ts_ns, const struct iovec *iov, int iovcnt,
		   const char *comment)
{
	return pcapng__packet_on(p, 0, ts_ns, iov, iovcnt, comment);
}

int pcapng__packet_on(struct pcapng *p, uint32_t ifid, uint64_t ts_ns, const struct iovec *iov,
		      int iovcnt, const char *comment)
{
	size_t caplen = 0;
	int err;

	if (p->err)
		return p->err;
	for (int i = 0; i < iovcnt; i++)
		caplen += iov[i].iov_len;
	/* Don't write what a reader would refuse: beyond the interface's snaplen. */
	if (caplen > PCAPNG_SNAPLEN)
		return -EMSGSIZE;
	err = block_begin(p, BT_EPB, 20 + pad4(caplen), opt_size(comment) + 4);
	if (err)
		return err;
	if (ifid < MAX_IFS)
		p->written[ifid]++;
	put_u32(p, ifid);
	put_u32(p, ts_ns >> 32);
	put_u32(p, (uint32_t)ts_ns);
	put_u32(p, caplen);
	put_u32(p, caplen);			/* original length: nothing is cut */
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len)
			memcpy(p->buf + p->len, iov[i].iov_base, iov[i].iov_len);
		p->len += iov[i].iov_len;
	}
	memset(p->buf + p->len, 0, pad4(caplen) - caplen);
	p->len += pad4(caplen) - caplen;
	put_opt_str(p, OPT_COMMENT, comment);
	put_end_opts(p);
	return block_end(p);
}

int pcapng__tls_secrets(struct pcapng *p, const char *lines, size_t len)
{
	int err;

	if (p->err)
		return p->err;
	if (len > PCAPNG_SNAPLEN)
		return -EMSGSIZE;
	err = block_begin(p, BT_DSB, 8 + pad4(len), 0);
	if (err)
		return err;
	put_u32(p, SECRETS_TLS_KEY_LOG);
	put_u32(p, len);
	memcpy(p->buf + p->len, lines, len);
	p->len += len;
	memset(p->buf + p->len, 0, pad4(len) - len);
	p->len += pad4(len) - len;
	return block_end(p);
}

/* A 64-bit option; a timestamp is one too, high word first as in an EPB. */
static void put_opt_u64(struct pcapng *p, uint16_t code, uint64_t v)
{
	put_opt(p, code, &v, sizeof(v));
}

static void put_opt_ts(struct pcapng *p, uint16_t code, uint64_t ts_ns)
{
	uint32_t ts[2] = { ts_ns >> 32, (uint32_t)ts_ns };

	put_opt(p, code, ts, sizeof(ts));
}

int pcapng__interface_stats(struct pcapng *p, uint32_t ifid, const struct pcapng_if_stats *s,
			    const char *comment)
{
	const size_t u64_opt = 4 + 8;
	int err;

	if (p->err)
		return p->err;
	if (ifid >= p->nr_ifs)
		return -EINVAL;
	err = block_begin(p, BT_ISB, 12, 7 * u64_opt + opt_size(comment) + 4);
	if (err)
		return err;
	put_u32(p, ifid);
	put_u32(p, s->end_ns >> 32);
	put_u32(p, (uint32_t)s->end_ns);
	put_opt_ts(p, ISB_STARTTIME, s->start_ns);
	put_opt_ts(p, ISB_ENDTIME, s->end_ns);
	put_opt_u64(p, ISB_IFRECV, s->ifrecv);
	put_opt_u64(p, ISB_IFDROP, s->ifdrop);
	put_opt_u64(p, ISB_FILTERACCEPT, s->filteraccept);
	put_opt_u64(p, ISB_OSDROP, s->osdrop);
	put_opt_u64(p, ISB_USRDELIV, ifid < MAX_IFS ? p->written[ifid] : 0);
	put_opt_str(p, OPT_COMMENT, comment);
	put_end_opts(p);
	return block_end(p);
}

void pcapng__close(struct pcapng *p)
{
	if (!p)
		return;
	pcapng__flush(p);
	free(p->buf);
	free(p);
}
