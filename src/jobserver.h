/*
 * jobserver.h: taking part in GNU make's job budget.
 *
 * Owns the token pipe or fifo: finding make's in MAKEFLAGS (a client),
 * or making one of prun's own that the jobs inherit (--jobserver-serve),
 * the tokens held, and the MAKEFLAGS the jobs see.  It decides nothing
 * about when jobs run: admission asks it for a token per job beyond the
 * first and gives each back when that job is over.  Tokens are bytes
 * read from the pipe and written back unchanged.
 *
 * Reads go through a descriptor of prun's own, opened non-blocking, so
 * that make's and the jobs' descriptors for the same pipe stay blocking.
 */
#ifndef PRUN_JOBSERVER_H
#define PRUN_JOBSERVER_H

#include <stddef.h>

#include "prun.h"

/* Where the jobs find an R,W jobserver: these descriptor numbers. */
#define JOBSERVER_JOB_RFD 4
#define JOBSERVER_JOB_WFD 5

struct jobserver;

/* What MAKEFLAGS says about make's jobserver. */
struct js_auth {
	int found;
	int rfd, wfd; /* R,W form; -1 with a fifo */
	char fifo[4096]; /* fifo:PATH form; "" otherwise */
	int old_name; /* --jobserver-fds (make 4.1 and older) */
};

/*
 * Parse MAKEFLAGS (may be NULL).  Returns 0; 0 with found unset when
 * there is no jobserver; -1 with *errstr when the option is malformed.
 */
int jobserver_parse(const char *, struct js_auth *, const char **);

/*
 * MAKEFLAGS for the jobs: makeflags without any -j or --jobserver word,
 * then "-jN --jobserver-auth=R,W" (before a " -- " that starts variable
 * definitions).  njobs 0 keeps makeflags' own -j word; old_name writes
 * --jobserver-fds instead, for make 4.1 and older.  Returns a new string.
 */
char *jobserver_makeflags(const char *, int, int, int, int);

/*
 * The jobserver prun takes part in, or NULL for none: make's (unless
 * --no-jobserver), else with --jobserver-serve a pool of its own of
 * nslots - 1 tokens.  Sets MAKEFLAGS in prun's environment for the jobs
 * when their view of it differs.  Puts in errbuf what is wrong with
 * make's jobserver, if anything ("" if not), whatever it returns; *fatal
 * says whether the run must not go on (--jobserver forced on, or no pool
 * could be made for --jobserver-serve).
 */
struct jobserver *jobserver_open(const struct prun_opts *, int, char *, size_t,
    int *);

/* Gives back every token held, and closes. */
void jobserver_close(struct jobserver *);

/* The descriptor to poll for a token (readable). */
int jobserver_fd(const struct jobserver *);

/* 1: a token was taken; 0: none now (poll jobserver_fd). */
int jobserver_take(struct jobserver *);

/* Give one token back. */
void jobserver_give(struct jobserver *);

/* Tokens held. */
int jobserver_held(const struct jobserver *);

/*
 * The descriptors a worker must keep at JOBSERVER_JOB_RFD and
 * JOBSERVER_JOB_WFD for its jobs; 0 and fds[] set, or -1 when the jobs
 * reach the jobserver some other way (a fifo) or not at all.
 */
int jobserver_job_fds(const struct jobserver *, int[2]);

/* "make's jobserver (fds 3,4)", for messages. */
const char *jobserver_describe(const struct jobserver *);

#endif
