/*
 * xmalloc.h: allocation that never returns NULL.
 *
 * Owns nothing.  Every function exits with status 255 and a one-line
 * message when memory runs out, so callers never test for NULL.
 */
#ifndef PRUN_XMALLOC_H
#define PRUN_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xmemdup(const void *, size_t);
int xasprintf(char **, const char *, ...)
    __attribute__((__format__(__printf__, 2, 3)));

#endif
