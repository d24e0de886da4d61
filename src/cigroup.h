/*
 * cigroup.h: the CI systems' collapsible log sections around one job's
 * printed output (--ci-groups).
 *
 * Owns the marker formats only: GitHub Actions' ::group::/::endgroup::
 * workflow commands and GitLab CI's section_start/section_end escape
 * lines.  output.c calls it around each job it prints, with the
 * descriptor it prints the job's stdout to; it writes nothing else and
 * never reads or moves the spools' file offsets (it only preads a byte).
 */
#ifndef PRUN_CIGROUP_H
#define PRUN_CIGROUP_H

#include "job.h"
#include "prun.h"

/*
 * Open j's section on fd, titled with its --tagstring or command, and how
 * it failed if it did.
 */
int cigroup_begin(const struct prun_opts *, const struct job *, int);

/*
 * Close j's section on fd.  An unterminated last line of its stdout (on
 * fd) or stderr (on errfd) is ended first, so the marker starts a line.
 */
int cigroup_end(enum prun_ci, const struct job *, int, int);

#endif
