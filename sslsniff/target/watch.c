// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <time.h>
#include "target/watch.h"

/* Milliseconds after exec at which a process is scanned again. */
static const unsigned int rescan_ms[] = { 2, 10, 30, 100, 300, 1000, 3000 };
#define NR_RESCANS	(sizeof(rescan_ms) / sizeof(rescan_ms[0]))
#define FULL_SCAN_MS	5000
#define MAX_PENDING	4096

struct pending_scan {
	pid_t pid;
	unsigned int step;
	uint64_t exec_ms;
};

struct watcher {
	watch_scan_fn fn;
	void *ctx;
	struct pending_scan *scans;
	size_t nr, cap;
	uint64_t next_full_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

struct watcher *watcher__new(watch_scan_fn fn, void *ctx)
{
	struct watcher *w = calloc(1, sizeof(*w));

	if (w) {
		w->fn = fn;
		w->ctx = ctx;
		w->next_full_ms = now_ms() + FULL_SCAN_MS;
	}
	return w;
}

void watcher__free(struct watcher *w)
{
	if (w)
		free(w->scans);
	free(w);
}

void watcher__exec(struct watcher *w, pid_t pid)
{
	w->fn(pid, w->ctx);
	if (w->nr == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct pending_scan *s;

		/* Under an exec storm the periodic full scan still covers all. */
		if (cap > MAX_PENDING)
			return;
		s = realloc(w->scans, cap * sizeof(*s));
		if (!s)
			return;
		w->scans = s;
		w->cap = cap;
	}
	w->scans[w->nr++] = (struct pending_scan){ .pid = pid, .exec_ms = now_ms() };
}

int watcher__run(struct watcher *w, int cap_ms)
{
	uint64_t now = now_ms(), next = now + cap_ms;

	for (size_t i = 0; i < w->nr;) {
		struct pending_scan *s = &w->scans[i];
		uint64_t due = s->exec_ms + rescan_ms[s->step];

		if (due <= now) {
			w->fn(s->pid, w->ctx);
			if (++s->step == NR_RESCANS) {
				*s = w->scans[--w->nr];
				continue;
			}
			due = s->exec_ms + rescan_ms[s->step];
		}
		if (due < next)
			next = due;
		i++;
	}
	if (w->next_full_ms <= now) {
		w->fn(0, w->ctx);
		w->next_full_ms = now + FULL_SCAN_MS;
	}
	if (w->next_full_ms < next)
		next = w->next_full_ms;
	return next > now ? (int)(next - now) : 0;
}
