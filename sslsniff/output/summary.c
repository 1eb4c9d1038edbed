// SPDX-License-Identifier: GPL-2.0
/* --summary-json: the summary line's figures as one JSON object, at exit. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/json_writer.h"
#include "lib/log.h"
#include "output/summary.h"
#include "tls_funcs.h"

struct summary_lib {
	uint64_t records;
	uint64_t bytes;
};

struct summary {
	char *path;
	int fd;
	struct summary_lib lib[LIB_NSS + 1];	/* by enum tls_library */
};

struct summary *summary__new(const char *path)
{
	struct summary *s = calloc(1, sizeof(*s));
	struct stat st;
	int err;

	if (!s || !(s->path = strdup(path))) {
		err = -ENOMEM;
		p_err("--summary-json: %s", strerror(-err));
		goto err_free;
	}
	s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		err = -errno;
		p_err("--summary-json: cannot create '%s': %s", path, strerror(-err));
		goto err_free;
	}
	/* Like -o: an existing file keeps its old mode through O_CREAT. */
	if (!fstat(s->fd, &st) && S_ISREG(st.st_mode) && fchmod(s->fd, 0600)) {
		err = -errno;
		p_err("--summary-json: cannot make '%s' private: %s", path, strerror(-err));
		goto err_close;
	}
	return s;

err_close:
	close(s->fd);
err_free:
	if (s)
		free(s->path);
	free(s);
	errno = -err;
	return NULL;
}

void summary__free(struct summary *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->path);
	}
	free(s->path);
	free(s);
}

void summary__count(struct summary *s, const struct record *r)
{
	const struct tls_func_info *fi;

	if (!s)
		return;
	fi = tls_func_info(r->ev->func);
	if (!fi || fi->lib >= sizeof(s->lib) / sizeof(s->lib[0]))
		return;
	s->lib[fi->lib].records++;
	s->lib[fi->lib].bytes += r->data_len;
}

void summary_losses(const struct decode_stats *ds, const uint64_t *st, uint64_t *bytes,
		    uint64_t *records)
{
	/*
	 * A call of which not even the ring-full notice fitted never reaches
	 * the decoder: the BPF counters know every lost byte. Calls: those the
	 * ring cut short, or those that arrived short if more (unreadable
	 * bytes are counted by byte, not by call, in BPF).
	 */
	*bytes = st[STAT_LOST_BYTES_RINGBUF] + st[STAT_LOST_BYTES_FAULT];
	if (ds->missing_bytes > *bytes)
		*bytes = ds->missing_bytes;
	*records = st[STAT_LOST_CALLS_RINGBUF];
	if (ds->incomplete > *records)
		*records = ds->incomplete;
}

static void summary_json(const struct summary *s, struct jsonw *w, const struct decode_stats *ds,
			 const uint64_t *st)
{
	uint64_t lost_bytes, lost_records;

	summary_losses(ds, st, &lost_bytes, &lost_records);
	jsonw_start_object(w);
	jsonw_uint_field(w, "records", ds->records);
	jsonw_uint_field(w, "bytes", ds->bytes);
	jsonw_uint_field(w, "lost_records", lost_records);
	jsonw_uint_field(w, "lost_bytes", lost_bytes);
	jsonw_uint_field(w, "truncated_bytes", st[STAT_TRUNCATED_BYTES]);
	jsonw_uint_field(w, "ring_full_calls", st[STAT_LOST_CALLS_RINGBUF]);
	jsonw_uint_field(w, "unreadable_bytes", st[STAT_LOST_BYTES_FAULT]);
	jsonw_uint_field(w, "untracked_calls",
			 st[STAT_LOST_CALLS_STATE] + st[STAT_LOST_CALLS_BAD_LEN] +
			 st[STAT_LOST_EVENTS_OTHER]);
	jsonw_name(w, "by_library");
	jsonw_start_object(w);
	for (unsigned int lib = LIB_OPENSSL; lib <= LIB_NSS; lib++) {
		jsonw_name(w, tls_library_name(lib));
		jsonw_start_object(w);
		jsonw_uint_field(w, "records", s->lib[lib].records);
		jsonw_uint_field(w, "bytes", s->lib[lib].bytes);
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
	jsonw_end_object(w);
}

int summary__write(struct summary *s, const struct decode_stats *ds, const uint64_t *bpf_stats)
{
	struct jsonw w = {};
	size_t off = 0;
	int err = 0;

	summary_json(s, &w, ds, bpf_stats);
	err = jsonw_error(&w);
	while (!err && off < w.sb.len) {
		ssize_t n = write(s->fd, w.sb.buf + off, w.sb.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		else
			off += n;
	}
	if (close(s->fd) && !err)
		err = -errno;
	s->fd = -1;
	jsonw_free(&w);
	if (err) {
		p_err("--summary-json: '%s': write failed: %s", s->path, strerror(-err));
		unlink(s->path);
	}
	return err;
}
