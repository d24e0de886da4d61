/*
 * Unit tests for parse.c: durations, signals, --termseq.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "parse.h"

static int failures;

#define CHECK(c) \
	do { \
		if (!(c)) { \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
			    #c); \
			failures++; \
		} \
	} while (0)

static int
dur_ok(const char *s, uint64_t want)
{
	const char *errstr = NULL;
	uint64_t ns = 0;

	return parse_duration(s, &ns, &errstr) == 0 && ns == want;
}

static int
dur_bad(const char *s)
{
	const char *errstr = NULL;
	uint64_t ns;

	return parse_duration(s, &ns, &errstr) == -1 && errstr != NULL;
}

int
main(void)
{
	struct termseq ts;
	const char *errstr;

	CHECK(dur_ok("1", 1000000000ull));
	CHECK(dur_ok("0.25", 250000000ull));
	CHECK(dur_ok(".5", 500000000ull));
	CHECK(dur_ok("0", 0));
	CHECK(dur_ok("2s", 2000000000ull));
	CHECK(dur_ok("1m", 60000000000ull));
	CHECK(dur_ok("1.5h", 5400000000000ull));
	CHECK(dur_ok("1d", 86400000000000ull));
	CHECK(dur_ok("1d3.5h16.6m4s", 100000000000000ull));
	CHECK(dur_ok("1m30", 90000000000ull));
	CHECK(dur_bad(""));
	CHECK(dur_bad("-1"));
	CHECK(dur_bad("+1"));
	CHECK(dur_bad("abc"));
	CHECK(dur_bad("1x"));
	CHECK(dur_bad("1e3"));
	CHECK(dur_bad("0x10"));
	CHECK(dur_bad("inf"));
	CHECK(dur_bad("nan"));
	CHECK(dur_bad("."));
	CHECK(dur_bad("1..2"));
	CHECK(dur_bad("1 "));
	CHECK(dur_bad("s"));
	CHECK(dur_bad("10%"));
	CHECK(dur_bad("99999999999"));

	CHECK(parse_signal("TERM") == SIGTERM);
	CHECK(parse_signal("SIGKILL") == SIGKILL);
	CHECK(parse_signal("int") == SIGINT);
	CHECK(parse_signal("9") == 9);
	CHECK(parse_signal("0") == -1);
	CHECK(parse_signal("FOO") == -1);
	CHECK(parse_signal("") == -1);
	CHECK(parse_signal("9x") == -1);

	termseq_default(&ts);
	CHECK(ts.n == 4 && ts.step[0].sig == SIGTERM && ts.step[0].ms == 200 &&
	    ts.step[3].sig == SIGKILL && ts.step[3].ms == 25);
	CHECK(parse_termseq("INT,100,KILL,5", &ts, &errstr) == 0);
	CHECK(ts.n == 2 && ts.step[0].sig == SIGINT && ts.step[0].ms == 100 &&
	    ts.step[1].sig == SIGKILL && ts.step[1].ms == 5);
	CHECK(parse_termseq("TERM", &ts, &errstr) == 0 && ts.n == 1 &&
	    ts.step[0].ms == 0);
	CHECK(parse_termseq("", &ts, &errstr) == -1);
	CHECK(parse_termseq("TERM,", &ts, &errstr) == -1);
	CHECK(parse_termseq(",TERM", &ts, &errstr) == -1);
	CHECK(parse_termseq("TERM,,KILL", &ts, &errstr) == -1);
	CHECK(parse_termseq("TERM,x", &ts, &errstr) == -1);
	CHECK(parse_termseq("TERM,-1", &ts, &errstr) == -1);
	CHECK(parse_termseq("BOGUS,10", &ts, &errstr) == -1);
	CHECK(parse_termseq("100,TERM", &ts, &errstr) == -1);
	CHECK(parse_termseq("15,100,9", &ts, &errstr) == 0 && ts.n == 2);

	if (failures) {
		fprintf(stderr, "parse_test: %d failed\n", failures);
		return 1;
	}
	printf("parse_test: ok\n");
	return 0;
}
