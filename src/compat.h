/*
 * compat.h: what prun assumes of libbsd's overlay and of the C library.
 *
 * Owns the few attribute macros BSD code expects and Linux lacks.  Must not
 * grow into a utility header: anything with a body lives in a module.
 */
#ifndef PRUN_COMPAT_H
#define PRUN_COMPAT_H

#include <sys/cdefs.h>

#ifndef __dead
#define __dead __attribute__((__noreturn__))
#endif
#ifndef __unused
#define __unused __attribute__((__unused__))
#endif

#endif
