// SPDX-License-Identifier: GPL-2.0
/*
 * Attachment. Each hooked function gets an entry probe and a return probe;
 * the attach cookie tells the shared BPF programs which function fired.
 * OpenSSL's read and write wrappers are probed at the internal function
 * they share where target_file.c placed them (attach_internal).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "target/attach.h"
#include "tls_funcs.h"

struct attacher {
	struct bpf_link **links;
	size_t nr_links, cap_links;
	size_t nr_probes;
};

struct attacher *attacher__new(void)
{
	return calloc(1, sizeof(struct attacher));
}

void attacher__free(struct attacher *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nr_links; i++)
		bpf_link__destroy(a->links[i]);
	free(a->links);
	free(a);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

static int attach_one(struct attacher *a, struct bpf_program *prog,
		      const struct target_file *tf, int pid, uint64_t off, uint64_t cookie,
		      bool retprobe)
{
	enum tls_func func = cookie & COOKIE_FUNC_MASK;
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .bpf_cookie = cookie, .retprobe = retprobe);
	struct bpf_link *link;
	char pinned[32];
	int err;

	if (grow((void **)&a->links, &a->cap_links, a->nr_links + 1, sizeof(*a->links)))
		return -ENOMEM;
	snprintf(pinned, sizeof(pinned), "/proc/self/fd/%d", tf->fd);
	link = bpf_program__attach_uprobe_opts(prog, pid, pinned, off, &uo);
	if (!link) {
		err = -errno;
		p_err("attach: '%s': %s probe on %s failed: %s", tf->path,
		      retprobe || (cookie & COOKIE_RET_INSN) ? "return" : "entry",
		      tls_func_info(func)->symbol, strerror(-err));
		return err;
	}
	a->links[a->nr_links++] = link;
	a->nr_probes++;
	return 0;
}

/*
 * An entry probe at OFF with COOKIE, and its return probe: a uretprobe,
 * or a plain uprobe running the same program on each of RETS's return
 * instructions. The number attached, or -errno.
 */
static int attach_pair(struct attacher *a, const struct target_file *tf, int pid, uint64_t off,
		       uint64_t cookie, const struct probe_returns *rets)
{
	const struct attach_progs *p = &tf->progs;
	int err;

	if (p->layout_ok)
		cookie |= COOKIE_LAYOUT_OK;
	err = attach_one(a, p->entry, tf, pid, off, cookie, false);
	if (!err && !rets->n)
		err = attach_one(a, p->ret, tf, pid, off, cookie, true);
	for (size_t i = 0; i < rets->n && !err; i++)
		err = attach_one(a, p->ret, tf, pid, rets->off[i], cookie | COOKIE_RET_INSN, false);
	return err ? err : 1 + (rets->n ? (int)rets->n : 1);
}

/* An entry probe alone at OFF (tls_func_entry_only()): 1 or -errno. */
static int attach_entry(struct attacher *a, const struct target_file *tf, int pid, uint64_t off,
			uint64_t cookie)
{
	int err;

	if (tf->progs.layout_ok)
		cookie |= COOKIE_LAYOUT_OK;
	err = attach_one(a, tf->progs.entry, tf, pid, off, cookie, false);
	return err ? err : 1;
}

/* How a function's returns are probed, for -v. */
static const char *attach_rets_name(const struct probe_returns *r)
{
	static char buf[48];

	if (!r->n)
		return "uretprobe";
	snprintf(buf, sizeof(buf), "%zu return instruction%s", r->n, r->n > 1 ? "s" : "");
	return buf;
}

/*
 * One entry and one return probe on OpenSSL's internal function behind a
 * wrapper pair (probe_place.c), instead of two on each wrapper's entry,
 * whose first instruction must be single-stepped.
 */
static int attach_internal(struct attacher *a, const struct target_file *tf, int pid,
			   enum wrapper_pair pair, enum tls_func plain, enum tls_func ex)
{
	const struct internal_site *site = &tf->site[pair];
	uint64_t cookie;
	int n;

	if (!tf->has_site[pair])
		return 0;
	cookie = plain | COOKIE_INTERNAL | (site->count_in_r8 ? COOKIE_COUNT_ARG5 : 0) |
		 (uint64_t)(uint32_t)(int32_t)(site->ex_ret - site->off) << COOKIE_EX_DELTA_SHIFT;
	n = attach_pair(a, tf, pid, site->off, cookie, &tf->site_rets[pair]);
	if (n > 0)
		p_debug("attach: '%s': %s and %s probed at their internal function (+0x%llx, "
			"count pointer in %s, returns: %s)", tf->path, tls_func_info(plain)->symbol,
			tls_func_info(ex)->symbol, (unsigned long long)site->off,
			site->count_in_r8 ? "r8" : "rcx", attach_rets_name(&tf->site_rets[pair]));
	return n;
}

/* -v: what was attached, which library version the detector sees, and
 * whether its structs are read. */
static void attach_log(const struct target_file *tf, int pid, int n)
{
	const struct tls_detect *d = &tf->det;

	p_debug("attach: '%s' (%s %s, build-id %s) pid %d: %d probes%s", tf->path,
		tls_library_name(d->lib), d->version[0] ? d->version : "version unknown",
		d->build_id[0] ? d->build_id : "none", pid, n,
		tf->progs.layout_ok ? ", structs read with CO-RE"
				    : ", no matching BTF layout: fd from syscalls");
}

/* PID joins the processes of PIDS (-1 in it: all of them), unless it is
 * there: 1, 0 when it was, -E2BIG when the list is full. */
static int pid_list_add(int *pids, int *nr, int pid)
{
	for (int i = 0; i < *nr; i++) {
		if (pids[i] == pid || pids[i] == -1)
			return 0;
	}
	if (*nr == TARGET_MAX_PIDS)
		return -E2BIG;
	pids[(*nr)++] = pid;
	return 1;
}

/* Whether SET has function F. */
static bool set_has(enum attach_set set, int f)
{
	return set == ATTACH_ALL || (set == ATTACH_KEYS) == tls_func_keys_final(f);
}

/* SET's processes so far: PID joins them, unless it is there. */
static int attach_note(struct target_file *tf, int pid, enum attach_set set)
{
	if (set == ATTACH_CALLS)
		return pid_list_add(tf->call_pids, &tf->nr_call_pids, pid);
	return pid_list_add(tf->pids, &tf->nr_pids, pid);
}

int attacher__attach(struct attacher *a, struct target_file *tf, int pid, enum attach_set set)
{
	int n = 0, err;

	err = attach_note(tf, pid, set);
	if (err <= 0)
		return err;
	if (set != ATTACH_KEYS) {
		n = attach_internal(a, tf, pid, PAIR_WRITE, FUNC_SSL_WRITE, FUNC_SSL_WRITE_EX);
		if (n >= 0) {
			err = attach_internal(a, tf, pid, PAIR_READ, FUNC_SSL_READ, FUNC_SSL_READ_EX);
			n = err < 0 ? err : n + err;
		}
	}
	for (int f = 1; f < FUNC__MAX && n >= 0; f++) {
		if (!tf->offs[f] || !set_has(set, f))
			continue;
		if (tls_func_entry_only(f)) {
			err = attach_entry(a, tf, pid, tf->offs[f], f);
			n = err < 0 ? err : n + err;
			continue;
		}
		err = attach_pair(a, tf, pid, tf->offs[f],
				  f | (tf->go_by_type ? COOKIE_GO_TYPE : 0) |
					  (uint64_t)(uint32_t)tf->go_tcpconn_itab[f] << COOKIE_GO_ITAB_SHIFT,
				  &tf->rets[f]);
		n = err < 0 ? err : n + err;
		if (err > 0)
			p_debug("attach: '%s': %s returns: %s", tf->path, tls_func_info(f)->symbol,
				attach_rets_name(&tf->rets[f]));
	}
	if (n < 0)
		return n;
	tf->nr_probes += n;
	if (log_verbose)
		attach_log(tf, pid, n);
	return n;
}

size_t attacher__nr_probes(const struct attacher *a)
{
	return a->nr_probes;
}
