/*
 * fd.h: small descriptor helpers shared by the supervisor and the workers.
 *
 * Owns no descriptor: every function works on the ones it is given.
 * Handles EINTR and partial I/O so callers don't have to; passes
 * descriptors over Unix-domain sockets (SCM_RIGHTS).
 */
#ifndef PRUN_FD_H
#define PRUN_FD_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#define FD_MAX_PASS 4

int fd_set_nonblock(int, int);
int fd_write_all(int, const void *, size_t);
int fd_writev_all(int, struct iovec *, int);
int fd_send_with_fds(int, const void *, size_t, const int *, int);
ssize_t fd_recv_with_fds(int, void *, size_t, int *, int *);
int fd_copy_all(int, int, off_t);
int fd_copy_range(int, int, off_t, off_t);
int fd_spool_open(const char *);
ssize_t fd_read_file(const char *, char *, size_t);

#endif
