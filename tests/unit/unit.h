/* SPDX-License-Identifier: GPL-2.0 */
/* A few macros for the pure-C unit tests; each test binary exits 1 on failure. */
#ifndef __SSLSNIFF_UNIT_H
#define __SSLSNIFF_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failures;

#define CHECK(cond)                                                                  \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stdout, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
				#cond);                                              \
			unit_failures++;                                             \
		}                                                                    \
	} while (0)

#define CHECK_STR(got, want)                                                         \
	do {                                                                         \
		const char *g_ = (got), *w_ = (want);                                \
		if (strcmp(g_, w_)) {                                                \
			fprintf(stdout, "%s:%d: got '%s', want '%s'\n", __FILE__, __LINE__, \
				g_, w_);                                             \
			unit_failures++;                                             \
		}                                                                    \
	} while (0)

#define UNIT_DONE(name)                                                              \
	do {                                                                         \
		printf("%s: %s\n", name, unit_failures ? "FAIL" : "ok");            \
		return unit_failures ? 1 : 0;                                        \
	} while (0)

#endif
