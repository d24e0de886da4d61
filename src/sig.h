/*
 * sig.h: the supervisor's signal plumbing.
 *
 * Owns the set of signals prun handles and the signalfd they arrive on:
 * they are blocked and read as ordinary events by the event loop, so no
 * handler runs asynchronously and there is no global state to share with
 * one.  Workers inherit the mask; spawn.c clears it for jobs.
 */
#ifndef PRUN_SIG_H
#define PRUN_SIG_H

int sig_init(void);
int sig_next(int);

#endif
