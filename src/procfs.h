/*
 * procfs.h: what admission reads about the machine from /proc: runnable
 * tasks (loadavg), CPU pressure (pressure/cpu), available memory
 * (meminfo) and swap traffic (vmstat).
 *
 * Owns those file names and their formats.  The readers open, read and
 * close one file per call and keep no state; the parsers are pure, so
 * they can be unit-tested.  Every reader takes the directory to read
 * from: "/proc", or for tests only the directory named by
 * PRUN_TEST_PROCDIR, which holds fake copies of the same files.
 */
#ifndef PRUN_PROCFS_H
#define PRUN_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#define PROCFS_TEST_ENV "PRUN_TEST_PROCDIR"

/* "/proc", or $PRUN_TEST_PROCDIR when set. */
const char *procfs_dir(void);

/* Parsers: 0 and the value, or -1 when the text is not of that format. */
int procfs_parse_runnable(const char *, long *);
int procfs_parse_psi_some(const char *, double *, uint64_t *);
int procfs_parse_memavail(const char *, uint64_t *);
int procfs_parse_swap(const char *, uint64_t *, uint64_t *);

/*
 * Readers: 0 and the value, or -1 when the file is missing or unreadable
 * (pressure/cpu is missing on kernels without PSI).
 */
int procfs_runnable(const char *, long *); /* tasks runnable now */
int procfs_cpu_pressure(const char *, double *,
    uint64_t *); /* avg10 %, total us */
int procfs_memavail(const char *, uint64_t *); /* bytes */
int procfs_swap(const char *, uint64_t *, uint64_t *); /* pages in, out */

#endif
