/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_WATCH_H
#define __SSLSNIFF_WATCH_H

#include <stdint.h>
#include <sys/types.h>

/*
 * When to look at a process's mappings after it execs. ld.so maps the
 * libraries within a millisecond or two, a dlopen() (Python's _ssl) comes
 * later: a process is rescanned on a falling schedule, and every process
 * now and then, so that late libraries are found too.
 */
struct watcher;

typedef void (*watch_scan_fn)(pid_t pid, void *ctx);	/* pid 0: every process */

struct watcher *watcher__new(watch_scan_fn fn, void *ctx);
void watcher__free(struct watcher *w);

/* PID has just exec'd: scan it now and on the schedule. */
void watcher__exec(struct watcher *w, pid_t pid);

/* Runs the scans that are due. Returns ms until the next one (at most CAP). */
int watcher__run(struct watcher *w, int cap_ms);

#endif
