/*
 * direct.h: deciding that a command needs no shell.
 *
 * A command of plain words (no quotes, $, globs, redirections, ;|&<>(),
 * backslashes, tildes, comments) whose first word is not a shell builtin,
 * keyword or assignment means the same exec'd directly as under `sh -c`,
 * so the worker can skip the shell, as GNU make does.  This module only
 * decides and splits: pure, no I/O, no allocation.
 */
#ifndef PRUN_DIRECT_H
#define PRUN_DIRECT_H

#include <stddef.h>

#define DIRECT_MAX_ARGS 64

/*
 * Split cmd into words in buf (at least len + 1 bytes) and argv (room for
 * DIRECT_MAX_ARGS + 1 pointers, NULL-terminated).  Returns the number of
 * words, or 0 when the command needs a shell.
 */
int direct_split(const char *, size_t, char *, char **);

#endif
