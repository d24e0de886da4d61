/*
 * joblog.h: GNU parallel's job log (--joblog) and what --resume and
 * --resume-failed read back from it.
 *
 * Owns the joblog file and its format: a header line, then one
 * tab-separated row per job that is over for good, each written with a
 * single write(2) on an O_APPEND descriptor the moment the job ends, so a
 * row is never split and a killed prun loses no finished job's row.  It
 * never decides which jobs run; it only answers "is this seq done?".
 */
#ifndef PRUN_JOBLOG_H
#define PRUN_JOBLOG_H

#include <stdint.h>

#include "job.h"
#include "prun.h"

#define JOBLOG_HEADER \
	"Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\t" \
	"Command\n"

struct joblog;
struct seqset;

/*
 * Open --joblog for writing (NULL when there is none, or with --dry-run).
 * Exits 255 with a one-line message when it can't be opened.  With
 * --resume or --resume-failed an existing log is appended to.
 */
struct joblog *joblog_open(const struct prun_opts *);
void joblog_close(struct joblog *);

/* Append j's row; -1 with errno set when the write failed. */
int joblog_write(struct joblog *, const struct job *);

/* Format j's row into buf (for tests); returns its length. */
size_t joblog_format(const struct job *, char *, size_t);

/*
 * With --resume or --resume-failed, read the joblog: the seqs that must
 * not run again (every seq with a row, or with --resume-failed only those
 * with a row showing Exitval 0 and Signal 0).  NULL when there is nothing
 * to skip.  Exits 255 naming the file and line on a malformed row.
 *
 * The set holds runs of consecutive seqs, 16 bytes a run: a log written
 * in order costs a few runs (the jobs that were running when it stopped
 * leave gaps); --resume-failed costs one run per failed job.
 */
struct seqset *joblog_resume_set(const struct prun_opts *);
int seqset_has(const struct seqset *, uint64_t);
void seqset_add(struct seqset *, uint64_t);
struct seqset *seqset_new(void);
size_t seqset_runs(const struct seqset *);
void seqset_free(struct seqset *);

#endif
