// SPDX-License-Identifier: GPL-2.0
/*
 * --keylog FILE: the secrets records' key log lines, each line once (a
 * connection's secrets are sent again when its handle is reused), flushed
 * at once so that Wireshark reading the file live sees them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hashset.h"
#include "output/output.h"

struct out_keylog {
	FILE *f;
	struct hashset seen;	/* hashes of the lines written */
};

static void *out_keylog_open(const struct output_opts *opts)
{
	struct out_keylog *k = calloc(1, sizeof(*k));

	if (k)
		k->f = opts->out;
	return k;
}

static void out_keylog_close(void *p)
{
	struct out_keylog *k = p;

	if (!k)
		return;
	hashset_free(&k->seen);
	free(k);
}

static int out_keylog_record(void *p, const struct record *r)
{
	struct out_keylog *k = p;
	const char *l = (const char *)r->data, *end = l + r->data_len;
	int err = 0;

	if (r->kind != REC_SECRETS)
		return 0;
	while (!err && l < end) {
		const char *nl = memchr(l, '\n', end - l);
		size_t n = nl ? (size_t)(nl - l) + 1 : (size_t)(end - l);

		/* Without memory to remember it, a duplicate beats a gap. */
		if (hashset_add(&k->seen, hashset_key(l, n)))
			err = output_write(k->f, l, n);
		l += n;
	}
	if (!err && fflush(k->f))
		err = -errno;
	return err;
}

const struct output_ops out_keylog_ops = {
	.name = "keylog",
	.open = out_keylog_open,
	.record = out_keylog_record,
	.close = out_keylog_close,
};
