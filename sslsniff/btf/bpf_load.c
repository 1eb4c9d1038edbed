// SPDX-License-Identifier: GPL-2.0
/* Loading the BPF program: the first instance, or one sharing its maps. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "btf/bpf_load.h"
#include "cgroup/cgroup_layout.h"
#include "lib/log.h"
#include "sslsniff.h"	/* the skeleton names its types */
#include "sslsniff.skel.h"

/* Which cgroup ids the records carry, and --container's and --cgroup's. */
static void bpf_load_cgroups(const struct options *o, struct sslsniff_bpf *skel)
{
	const struct cgroup_layout *l = o->cgroup_layout;

	if (l)
		skel->rodata->targ_cgroup1_ssid = l->v1_ssid;
	skel->rodata->targ_nr_cgroups = o->cgroup_filter.nr;
	for (int i = 0; i < o->cgroup_filter.nr; i++)
		((struct cgroup_target *)skel->rodata->targ_cgroups)[i] = o->cgroup_filter.t[i];
}

/* Load-time constants, the same for every instance. */
static void bpf_load_config(const struct options *o, struct sslsniff_bpf *skel)
{
	skel->rodata->targ_uid = o->uid;
	skel->rodata->targ_max_bytes = o->max_bytes;
	skel->rodata->targ_watch_pids = o->nr_pids > 0;
	skel->rodata->targ_keylog = o->keylog_path || o->keylog_embed || o->wire_iface;
	skel->rodata->targ_wire = o->wire_iface != NULL;
	/* Wake-ups cost the traced program an interrupt each (ring_wake_flag):
	 * batches of 1/16 of the ring, and 15/16 left for the reader to wake. */
	skel->rodata->targ_wake_bytes = o->ring_size / 16;
	/* New roots appear only to a watch of the whole system. */
	skel->rodata->targ_hold = o->watch && !o->nr_pids && !o->no_hold;
	if (o->comm) {
		skel->rodata->targ_comm_set = true;
		strncpy((char *)skel->rodata->targ_comm, o->comm, SSLSNIFF_COMM_LEN - 1);
	}
	bpf_load_cgroups(o, skel);
	bpf_map__set_max_entries(skel->maps.events, o->ring_size);
}

/*
 * Another instance shares the first one's maps, and its tracepoints too:
 * one ring, one call table (Go's too: the first instance's syscall hook
 * reads it), one set of counters, one call numbering (call
 * ids unique across instances: the decoder never mixes two calls up).
 */
static int bpf_load_share(struct sslsniff_bpf *skel, struct sslsniff_bpf *first)
{
	struct bpf_map *mine[] = { skel->maps.events, skel->maps.exec_events, skel->maps.calls,
				   skel->maps.handle_fds, skel->maps.secrets_sent, skel->maps.conn_cache,
				   skel->maps.stats, skel->maps.call_seq, skel->maps.watched_pids,
				   skel->maps.known_roots, skel->maps.bss, skel->maps.go_calls };
	struct bpf_map *theirs[] = { first->maps.events, first->maps.exec_events,
				     first->maps.calls, first->maps.handle_fds,
				     first->maps.secrets_sent, first->maps.conn_cache, first->maps.stats,
				     first->maps.call_seq, first->maps.watched_pids,
				     first->maps.known_roots, first->maps.bss, first->maps.go_calls };
	int err;

	for (size_t i = 0; i < sizeof(mine) / sizeof(mine[0]); i++) {
		err = bpf_map__reuse_fd(mine[i], bpf_map__fd(theirs[i]));
		if (err)
			return err;
	}
	bpf_program__set_autoload(skel->progs.raw_tp_sys_enter, false);
	bpf_program__set_autoload(skel->progs.raw_tp_process_exec, false);
	return 0;
}

struct sslsniff_bpf *bpf_load(const struct options *o, const char *btf_path,
			      struct sslsniff_bpf *share)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = btf_path);
	struct sslsniff_bpf *skel;
	int err;

	skel = sslsniff_bpf__open_opts(&oo);
	if (!skel) {
		err = -errno;
		p_err("bpf: cannot open the BPF program: %s", strerror(-err));
		errno = -err;
		return NULL;
	}
	bpf_load_config(o, skel);
	if (share) {
		err = bpf_load_share(skel, share);
		if (err) {
			p_err("bpf: cannot share maps with the first program: %s", strerror(-err));
			goto err_destroy;
		}
	} else if (!o->watch) {
		bpf_program__set_autoload(skel->progs.raw_tp_process_exec, false);
	}
	err = sslsniff_bpf__load(skel);
	if (err) {
		p_err("bpf: cannot load the BPF program: %s (run with -v for the verifier's log)",
		      strerror(-err));
		goto err_destroy;
	}
	return skel;

err_destroy:
	sslsniff_bpf__destroy(skel);
	errno = -err;
	return NULL;
}
