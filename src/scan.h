/*
 * scan.h: reading the command file without running it: --dry-run, and
 * counting the jobs for --halt N%.
 *
 * Owns nothing past a call: each function opens its own reader, streams
 * the input through it in fixed memory, and closes it.  No worker is
 * forked and no job is run.
 */
#ifndef PRUN_SCAN_H
#define PRUN_SCAN_H

#include <stdint.h>

#include "joblog.h"
#include "prun.h"

/*
 * --dry-run: print each command that would run, in input order, one per
 * line on stdout (skipping the seqs in skip).  Returns prun's exit status.
 */
int scan_dry_run(const struct prun_opts *, const struct seqset *);

/*
 * Count the jobs in the input.  Input from a pipe is first copied to an
 * unlinked file in tmpdir that replaces stdin, so the real run reads it
 * again from the start.  Exits 255 when the input can't be read.
 */
uint64_t scan_count(const struct prun_opts *);

#endif
