/*
 * cmdfile.h: the command-file reader.
 *
 * Owns the input files (or stdin) and turns their bytes into commands, one
 * logical line at a time: blank lines and '#' comments are skipped, a
 * trailing backslash joins a line with the next, CRLF is accepted.  It
 * streams: only the current line is held, whatever the file's size.
 *
 * It never blocks on a pipe or terminal: when a read could block it
 * returns CMD_AGAIN and the caller waits for cmdfile_fd() to become
 * readable, then calls cmdfile_readable().  cmdparse() is the pure parser
 * underneath, with no I/O, for tests and fuzzing.
 */
#ifndef PRUN_CMDFILE_H
#define PRUN_CMDFILE_H

#include <stddef.h>

#include "proto.h"

enum cmd_result {
	CMD_OK, /* a command was returned */
	CMD_AGAIN, /* wait for cmdfile_fd() to become readable */
	CMD_EOF, /* no more commands */
	CMD_ERROR /* a bad line: message in the errbuf, reader skipped it */
};

struct cmdline {
	const char *cmd; /* NUL-terminated; valid until the next call */
	size_t len;
	const char *file; /* display name of its file */
	unsigned long lineno; /* its first physical line */
};

struct cmdfile;

/*
 * Open the inputs ("-" or none: stdin).  Exits 255 with a one-line error
 * naming the file if one is missing, unreadable or a directory.
 */
struct cmdfile *cmdfile_open(char **, int);
void cmdfile_close(struct cmdfile *);
int cmdfile_next(struct cmdfile *, struct cmdline *, char *, size_t);
int cmdfile_fd(const struct cmdfile *);
void cmdfile_readable(struct cmdfile *);
void cmdfile_always_readable(struct cmdfile *);
int cmdfile_all_regular(const struct cmdfile *);

/* Result of one cmdparse() call. */
struct cmdparse_res {
	size_t consumed; /* bytes the caller may drop */
	unsigned long lines; /* physical lines in those bytes */
	unsigned long first; /* lines before the command's first line */
	const char *errstr; /* with -1 */
};

/*
 * Parse the next logical line of [p, p+len).  With eof set, the end of the
 * bytes ends the last line.  Returns 1 with the command appended to out
 * (which the caller empties first), 0 when more bytes are needed (or, at
 * eof, none are left), -1 for a line that cannot be run (a NUL byte).
 */
int cmdparse(const char *, size_t, int, struct framebuf *,
    struct cmdparse_res *);

#endif
