/*
 * junit.h: the JUnit XML report (--junit FILE).
 *
 * Owns FILE.tmp, opened when the run starts so that a bad path is an error
 * before any job runs, and an unlinked spool of testcases.  One testcase
 * is appended to the spool as each job ends (or is skipped), so memory
 * stays flat whatever the number of jobs; at the end the document is
 * composed as header (with the counts) + spool + footer in FILE.tmp, which
 * is then renamed to FILE.  Reached only through report.c.
 */
#ifndef PRUN_JUNIT_H
#define PRUN_JUNIT_H

#include "job.h"
#include "prun.h"
#include "report.h"

/* Bytes of a job's stdout and stderr kept in the report: their tails. */
#define JUNIT_OUTPUT_MAX 65536

struct junit;

struct junit *junit_open(const char *, const struct prun_opts *);
void junit_run_start(struct junit *, const struct report_run *);
int junit_job_end(struct junit *, const struct job *);
int junit_job_skip(struct junit *, const struct job *, const char *);
int junit_finish(struct junit *, const struct report_end *);
void junit_free(struct junit *);

#endif
