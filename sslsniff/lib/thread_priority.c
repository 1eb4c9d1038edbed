// SPDX-License-Identifier: GPL-2.0
/*
 * The reader ahead of the programs it traces: on a machine they keep busy,
 * a reader of ordinary priority waits for a CPU while the ring fills, and a
 * stall of a few milliseconds at 1 GB/s overflows it (issue 18: in such
 * bursts the reader was runnable, not running, 80-90 % of the time). It
 * sleeps whenever the ring is empty, so the priority costs nothing while
 * nothing flows, and its work is bounded by what the traced programs make.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include "lib/log.h"
#include "lib/thread_priority.h"

/* Best effort: where SCHED_FIFO is refused (a cgroup without real-time
 * runtime), nice -20; without CAP_SYS_NICE it stays as it is. */
void thread_priority_raise(enum reader_priority how)
{
	struct sched_param rt = { .sched_priority = 1 };

	if (how == READER_NORMAL)
		return;
	if (how == READER_REALTIME && !sched_setscheduler(0, SCHED_FIFO, &rt))
		return;
	if (setpriority(PRIO_PROCESS, 0, -20))
		p_warn("reader: cannot raise its priority (--reader-priority): %s; it may fall "
		       "behind on a busy machine", strerror(errno));
}

/* Lowering needs no privilege (SCHED_OTHER, then nice 0). */
void thread_priority_reset(void)
{
	struct sched_param other = { .sched_priority = 0 };

	sched_setscheduler(0, SCHED_OTHER, &other);
	setpriority(PRIO_PROCESS, 0, 0);
}
