/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_CLOCK_H
#define __SSLSNIFF_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Clock ID now, in nanoseconds. */
static inline int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif
