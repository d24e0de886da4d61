/*
 * Unit tests of what admission and limits parse: the /proc formats
 * (procfs.c), MAKEFLAGS (jobserver.c) and sizes (parse.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prun.h"
#include "jobserver.h"
#include "parse.h"
#include "procfs.h"
#include "tap.h"

static void
test_procfs(void)
{
	uint64_t v, in, out;
	double avg;
	long n;

	tap_ok(procfs_parse_runnable("0.52 0.58 0.59 3/467 12345\n", &n) == 0 &&
		n == 3,
	    "loadavg: the runnable count of the fourth field");
	tap_ok(procfs_parse_runnable("0.52 0.58\n", &n) == -1,
	    "loadavg: a short line is rejected");
	tap_ok(procfs_parse_runnable("", &n) == -1,
	    "loadavg: an empty file is rejected");
	tap_ok(procfs_parse_psi_some("some avg10=54.86 avg60=31.05 "
				     "avg300=13.43 total=64579553\n"
				     "full avg10=0.00 avg60=0.00 avg300=0.00 "
				     "total=0\n",
		   &avg, &v) == 0 &&
		avg > 54.85 && avg < 54.87 && v == 64579553,
	    "pressure: avg10 and total of the some line");
	tap_ok(procfs_parse_psi_some("full avg10=1 total=2\n", &avg, &v) == -1,
	    "pressure: no some line is rejected");
	tap_ok(procfs_parse_memavail("MemTotal: 100 kB\nMemFree: 5 kB\n"
				     "MemAvailable:   24244948 kB\n",
		   &v) == 0 &&
		v == UINT64_C(24244948) * 1024,
	    "meminfo: MemAvailable in bytes");
	tap_ok(procfs_parse_memavail("MemTotal: 100 kB\n", &v) == -1,
	    "meminfo: no MemAvailable is rejected");
	tap_ok(procfs_parse_memavail("XMemAvailable: 5 kB\n", &v) == -1,
	    "meminfo: a field only ending in the name is not it");
	tap_ok(procfs_parse_swap("pgfault 9\npswpin 12\npswpout 34\n", &in,
		   &out) == 0 &&
		in == 12 && out == 34,
	    "vmstat: pswpin and pswpout");
	tap_ok(procfs_parse_swap("pswpin 12\n", &in, &out) == -1,
	    "vmstat: pswpout missing is rejected");
}

static int
auth(const char *mf, int r, int w, const char *fifo, int old)
{
	struct js_auth a;
	const char *errstr = NULL;

	if (jobserver_parse(mf, &a, &errstr) != 0 || !a.found)
		return 0;
	return a.rfd == r && a.wfd == w && strcmp(a.fifo, fifo) == 0 &&
	    a.old_name == old;
}

static int
no_auth(const char *mf)
{
	struct js_auth a;
	const char *errstr = NULL;

	return jobserver_parse(mf, &a, &errstr) == 0 && !a.found;
}

static int
bad_auth(const char *mf)
{
	struct js_auth a;
	const char *errstr = NULL;

	return jobserver_parse(mf, &a, &errstr) == -1 && errstr != NULL;
}

static int
flags(const char *mf, int njobs, int old, const char *want)
{
	char *s = jobserver_makeflags(mf, njobs, 4, 5, old);
	int ok = strcmp(s, want) == 0;

	if (!ok)
		printf("# got '%s', want '%s'\n", s, want);
	free(s);
	return ok;
}

static void
test_makeflags(void)
{
	tap_ok(auth(" -j2 --jobserver-auth=3,4", 3, 4, "", 0),
	    "MAKEFLAGS: make 4.3's R,W form");
	tap_ok(auth("-j8 --jobserver-auth=fifo:/tmp/GMfifo123", -1, -1,
		   "/tmp/GMfifo123", 0),
	    "MAKEFLAGS: make 4.4's fifo form");
	tap_ok(auth("kw --jobserver-fds=5,6 -j", 5, 6, "", 1),
	    "MAKEFLAGS: make 4.1's --jobserver-fds");
	tap_ok(auth("--jobserver-auth=3,4 --jobserver-auth=7,8", 7, 8, "", 0),
	    "MAKEFLAGS: the last one wins");
	tap_ok(no_auth(NULL) && no_auth("") && no_auth("k -j4"),
	    "MAKEFLAGS: none, empty, or no jobserver");
	tap_ok(no_auth("-j2 -- X=--jobserver-auth=3,4"),
	    "MAKEFLAGS: a variable definition is not an option");
	tap_ok(bad_auth("--jobserver-auth=3") &&
		bad_auth("--jobserver-auth=a,b") &&
		bad_auth("--jobserver-auth=3,4x") &&
		bad_auth("--jobserver-auth=-1,4"),
	    "MAKEFLAGS: malformed descriptors are rejected");

	tap_ok(flags(NULL, 3, 0, "-j3 --jobserver-auth=4,5"),
	    "jobs' MAKEFLAGS: made from nothing");
	tap_ok(flags(" -j8 --jobserver-auth=3,4", 0, 0,
		   "-j8 --jobserver-auth=4,5"),
	    "jobs' MAKEFLAGS: a client keeps make's -j, renumbers the fds");
	tap_ok(flags("k -j8 --jobserver-auth=7,8 -- X=1 Y=2", 3, 0,
		   "k -j3 --jobserver-auth=4,5 -- X=1 Y=2"),
	    "jobs' MAKEFLAGS: a server replaces -j, keeps flags and variables");
	tap_ok(flags("--jobserver-fds=3,4 -j", 0, 1, "-j --jobserver-fds=4,5"),
	    "jobs' MAKEFLAGS: the old option name is kept");
	tap_ok(flags("--jobs=4 -s", 2, 0, "-s -j2 --jobserver-auth=4,5"),
	    "jobs' MAKEFLAGS: --jobs=N goes too");
}

static int
size_is(const char *s, uint64_t want)
{
	const char *errstr = NULL;
	uint64_t v = 0;

	return parse_size(s, &v, &errstr) == 0 && v == want;
}

static int
size_bad(const char *s)
{
	const char *errstr = NULL;
	uint64_t v;

	return parse_size(s, &v, &errstr) == -1 && errstr != NULL;
}

static void
test_size(void)
{
	tap_ok(size_is("100", 100) && size_is("1K", 1024) &&
		size_is("2M", 2 << 20) && size_is("1G", UINT64_C(1) << 30) &&
		size_is("1T", UINT64_C(1) << 40),
	    "size: K, M, G, T are powers of 1024");
	tap_ok(size_is("1k", 1000) && size_is("2m", 2000000) &&
		size_is("1g", 1000000000),
	    "size: k, m, g are powers of 1000");
	tap_ok(size_is("1.5G", UINT64_C(3) << 29) && size_is("1Gi", 1 << 30) &&
		size_is("1gi", 1 << 30) && size_is("1GB", 1 << 30),
	    "size: decimals, Gi and GB");
	tap_ok(size_bad("") && size_bad("G") && size_bad("-1G") &&
		size_bad("1X") && size_bad("1GG") && size_bad(" 1G") &&
		size_bad("0") && size_bad("0.1") && size_bad("100000P"),
	    "size: malformed, zero, fractional bytes and huge are rejected");
}

int
main(void)
{
	test_procfs();
	test_makeflags();
	test_size();
	return tap_done();
}
