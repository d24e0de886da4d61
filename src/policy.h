/*
 * policy.h: the failure policy's bookkeeping: --halt, the median runtime
 * behind --timeout N%, prun's exit status and the failure summary.
 *
 * Owns the counts of finished jobs (each job counted once, its last try),
 * a fixed-size runtime histogram and the first failed sequence numbers.
 * Memory is fixed: nothing here grows with the number of jobs.  It never
 * starts, stops or prints jobs; the supervisor acts on what it says.
 */
#ifndef PRUN_POLICY_H
#define PRUN_POLICY_H

#include <stdint.h>
#include <stdio.h>

#include "job.h"
#include "prun.h"

#define POLICY_SUMMARY_SEQS 10 /* failed seqs named in the summary */

struct policy;

struct policy *policy_new(const struct prun_opts *);
void policy_free(struct policy *);

/* The number of jobs in the input, for --halt N% (as GNU parallel). */
void policy_set_total(struct policy *, uint64_t);
int policy_needs_total(const struct policy *);

/* A job started (its first try). */
void policy_job_started(struct policy *);

/*
 * A job is over for good.  Returns HALT_SOON or HALT_NOW the first time
 * --halt's condition is met, else HALT_NEVER.
 */
enum halt_when policy_job_done(struct policy *, const struct job *);

/* Has --halt triggered? */
int policy_halted(const struct policy *);

/* --deadline ran out. */
void policy_deadline(struct policy *);

/* The timeout for a job starting now, in ns; 0 for none. */
uint64_t policy_timeout_ns(const struct policy *);

uint64_t policy_failed(const struct policy *);
uint64_t policy_done(const struct policy *);

/* prun's exit status when no signal or error stopped it. */
int policy_exit_status(const struct policy *);

/* "prun: 3 of 120 jobs failed: 4 17 99" when any failed. */
void policy_summary(const struct policy *, FILE *);

/* The median of the runtimes recorded, in ns (0 if none); for tests. */
uint64_t policy_median_ns(const struct policy *);
void policy_record_runtime(struct policy *, uint64_t);

#endif
