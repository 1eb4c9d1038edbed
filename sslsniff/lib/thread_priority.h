/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_THREAD_PRIORITY_H
#define __SSLSNIFF_THREAD_PRIORITY_H

#include "options.h"

/* The calling thread (the ring's reader) raised as --reader-priority says. */
void thread_priority_raise(enum reader_priority how);
/* The calling thread back to SCHED_OTHER at nice 0: threads started after
 * the raise inherit it, and only the reader should have it. */
void thread_priority_reset(void);

#endif /* __SSLSNIFF_THREAD_PRIORITY_H */
