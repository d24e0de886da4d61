/*
 * Readers of the few /proc files admission needs.  No process is run and
 * nothing is cached: each call is one open, read and close.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"
#include "procfs.h"

const char *
procfs_dir(void)
{
	const char *d = getenv(PROCFS_TEST_ENV);

	return d != NULL && *d != '\0' ? d : "/proc";
}

/* Read dir/name into buf, NUL-terminated; -1 on failure. */
static int
read_small(const char *dir, const char *name, char *buf, size_t size)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    sizeof(path))
		return -1;
	return fd_read_file(path, buf, size) > 0 ? 0 : -1;
}

/* "0.52 0.58 0.59 3/467 12345": the 3 runnable tasks of the fourth field. */
int
procfs_parse_runnable(const char *s, long *n)
{
	double a;
	long run, total;

	if (sscanf(s, "%lf %lf %lf %ld/%ld", &a, &a, &a, &run, &total) != 5 ||
	    run < 0)
		return -1;
	*n = run;
	return 0;
}

/* "some avg10=1.23 avg60=... avg300=... total=456": avg10 and total. */
int
procfs_parse_psi_some(const char *s, double *avg10, uint64_t *total)
{
	const char *p;
	char *end;

	if (strncmp(s, "some ", 5) != 0 || (p = strstr(s, "avg10=")) == NULL)
		return -1;
	*avg10 = strtod(p + 6, &end);
	if (end == p + 6)
		return -1;
	if ((p = strstr(s, "total=")) == NULL)
		return -1;
	errno = 0;
	*total = strtoull(p + 6, &end, 10);
	if (end == p + 6 || errno != 0)
		return -1;
	return 0;
}

/* Find "Name:" or "name " at the start of a line of s and parse its number. */
static int
field(const char *s, const char *name, uint64_t *v)
{
	size_t len = strlen(name);
	const char *p = s;
	char *end;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, len) == 0) {
			errno = 0;
			*v = strtoull(p + len, &end, 10);
			if (end == p + len || errno != 0)
				return -1;
			return 0;
		}
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return -1;
}

/* meminfo's "MemAvailable:   24244948 kB", in bytes. */
int
procfs_parse_memavail(const char *s, uint64_t *bytes)
{
	uint64_t kb;

	if (field(s, "MemAvailable:", &kb) == -1 || kb > UINT64_MAX / 1024)
		return -1;
	*bytes = kb * 1024;
	return 0;
}

/* vmstat's "pswpin N" and "pswpout N". */
int
procfs_parse_swap(const char *s, uint64_t *in, uint64_t *out)
{
	if (field(s, "pswpin ", in) == -1 || field(s, "pswpout ", out) == -1)
		return -1;
	return 0;
}

int
procfs_runnable(const char *dir, long *n)
{
	char buf[256];

	if (read_small(dir, "loadavg", buf, sizeof(buf)) == -1)
		return -1;
	return procfs_parse_runnable(buf, n);
}

int
procfs_cpu_pressure(const char *dir, double *avg10, uint64_t *total)
{
	char buf[512];

	if (read_small(dir, "pressure/cpu", buf, sizeof(buf)) == -1)
		return -1;
	return procfs_parse_psi_some(buf, avg10, total);
}

int
procfs_memavail(const char *dir, uint64_t *bytes)
{
	char buf[8192];

	if (read_small(dir, "meminfo", buf, sizeof(buf)) == -1)
		return -1;
	return procfs_parse_memavail(buf, bytes);
}

int
procfs_swap(const char *dir, uint64_t *in, uint64_t *out)
{
	char buf[16384];

	if (read_small(dir, "vmstat", buf, sizeof(buf)) == -1)
		return -1;
	return procfs_parse_swap(buf, in, out);
}
