/*
 * tap.h: the few Test Anything Protocol helpers the C unit tests share.
 *
 * Owns the test counter of one test program.  Header-only and static, so
 * each tests/unit/NAME_test.c stays a single translation unit linked against
 * prun's objects; it must not grow into a framework.
 */
#ifndef PRUN_TAP_H
#define PRUN_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

/* Report one check; returns cond so a caller can stop on failure. */
static inline int
tap_ok(int cond, const char *what)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, what);
	return cond;
}

/* Print the plan and exit 1 if any check failed. */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
