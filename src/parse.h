/*
 * parse.h: the parsers for option values that several options share:
 * durations (--timeout, --deadline, --delay, --retry-delay, --limit-cpu),
 * sizes (--memfree, --limit-mem), signal names and --termseq.
 *
 * Pure functions: a string in, a value or an error string out.  They never
 * print, exit or keep state; the caller names the option in its message.
 */
#ifndef PRUN_PARSE_H
#define PRUN_PARSE_H

#include <stdint.h>

#include "prun.h"

/* Longest duration accepted: about 31 years, so ns fit in 63 bits. */
#define PARSE_DURATION_MAX_S 1000000000.0

/*
 * A duration as GNU parallel's TIME POSTFIXES: seconds with decimals,
 * optionally a sum of terms each suffixed s, m, h or d ("1d3.5h16.6m4s").
 * Sets *ns; returns 0, or -1 with *errstr set.
 */
int parse_duration(const char *, uint64_t *, const char **);

/*
 * A size in bytes as GNU parallel's: a number, maybe with decimals, and a
 * suffix K, M, G, T, P (powers of 1024; Ki, Mi... too) or k, m, g, t, p
 * (powers of 1000), maybe followed by B.  At least 1 byte.  Sets *bytes;
 * returns 0, or -1 with *errstr set.
 */
int parse_size(const char *, uint64_t *, const char **);

/* A signal: a number, or a name with or without "SIG"; -1 if none. */
int parse_signal(const char *);

/* --termseq SIG,MS[,SIG,MS...]; a last SIG may go without MS (0 ms). */
int parse_termseq(const char *, struct termseq *, const char **);
void termseq_default(struct termseq *);

/*
 * --halt POLICY: never, now|soon,fail|success|done=N|N%, or GNU parallel's
 * older spellings 0, 1, 2, -1, -2 and N% (soon,fail=N%).
 */
int parse_halt(const char *, struct halt_policy *, const char **);

/* --timeout: a duration, or N% of the median runtime (pct > 0). */
int parse_timeout(const char *, uint64_t *, double *, const char **);

#endif
