/*
 * jsonl.h: the JSON event stream (--json FILE, "-" for stdout): one JSON
 * object per line for each event of the run.  The schema (version 1) is
 * documented in prun(1); a change that could break a reader bumps "v".
 *
 * Owns the stream's file.  Every line is written whole and flushed as the
 * event happens; nothing is kept per job.  Reached only through report.c.
 */
#ifndef PRUN_JSONL_H
#define PRUN_JSONL_H

#include "job.h"
#include "prun.h"
#include "report.h"

#define JSONL_VERSION 1

struct jsonl;

struct jsonl *jsonl_open(const char *, const char *);
int jsonl_run_start(struct jsonl *, const struct report_run *);
int jsonl_job_start(struct jsonl *, const struct job *);
int jsonl_job_end(struct jsonl *, const struct job *, int);
int jsonl_job_skip(struct jsonl *, const struct job *, const char *);
int jsonl_run_end(struct jsonl *, const struct report_end *);
void jsonl_free(struct jsonl *);

#endif
