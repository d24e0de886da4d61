/*
 * Descriptor helpers: whole writes, descriptor passing, spool copies.
 */
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"

/* Wait until a non-blocking out can take more bytes. */
static void
wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	while (poll(&pfd, 1, -1) == -1 && errno == EINTR)
		;
}

int
fd_set_nonblock(int fd, int on)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}

/* Write all of buf to a blocking descriptor; -1 with errno on failure. */
int
fd_write_all(int fd, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf,
		.iov_len = len };

	return fd_writev_all(fd, &iov, 1);
}

/*
 * Write all of iov[0, n) to fd; the iovecs are used up on the way.  -1 with
 * errno on failure.
 */
int
fd_writev_all(int fd, struct iovec *iov, int n)
{
	ssize_t w;

	while (n > 0) {
		w = writev(fd, iov, n > IOV_MAX ? IOV_MAX : n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				wait_writable(fd);
				continue;
			}
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Send buf whole on a blocking socket, with nfds descriptors on its start. */
int
fd_send_with_fds(int sock, const void *buf, size_t len, const int *fds,
    int nfds)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * FD_MAX_PASS)];
	} cmsg;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t n;

	if (nfds == 0)
		return fd_write_all(sock, buf, len);
	memset(&msg, 0, sizeof(msg));
	memset(&cmsg, 0, sizeof(cmsg));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsg.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if ((size_t)n < len)
		return fd_write_all(sock, (const char *)buf + n,
		    len - (size_t)n);
	return 0;
}

/*
 * Receive into buf; descriptors that came along are stored in fds (up to
 * FD_MAX_PASS, count in *nfds, close-on-exec set).  Returns recvmsg's
 * result.
 */
ssize_t
fd_recv_with_fds(int sock, void *buf, size_t len, int *fds, int *nfds)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int) * FD_MAX_PASS)];
	} cmsg;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *c;
	ssize_t n;
	size_t k, j;
	int fd;

	*nfds = 0;
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsg.buf;
	msg.msg_controllen = sizeof(cmsg.buf);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n == -1 && errno == EINTR);
	if (n <= 0)
		return n;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (j = 0; j < k; j++) {
			memcpy(&fd, CMSG_DATA(c) + sizeof(int) * j,
			    sizeof(int));
			if (*nfds < FD_MAX_PASS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

/*
 * Copy a spool file's first len bytes, from offset 0, to out.  Uses
 * sendfile(2) so the bytes never pass through prun's memory; falls back to
 * read/write where sendfile can't serve that pair.  -1 with errno set
 * (EPIPE: the reader went away).
 */
int
fd_copy_all(int in, int out, off_t len)
{
	return fd_copy_range(in, out, 0, len);
}

/* The same for in's bytes from off up to len. */
int
fd_copy_range(int in, int out, off_t off, off_t len)
{
	char buf[65536];
	ssize_t n;

	while (off < len) {
		n = sendfile(out, in, &off, (size_t)(len - off));
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				wait_writable(out);
				continue;
			}
			if (errno == EINVAL || errno == ENOSYS)
				break;
			return -1;
		}
		if (n == 0)
			return 0; /* the file shrank */
	}
	while (off < len) {
		n = pread(in, buf, sizeof(buf), off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		if (fd_write_all(out, buf, (size_t)n) == -1)
			return -1;
		off += n;
	}
	return 0;
}

/*
 * An unlinked spool file in dir, open for reading and writing, so that a
 * crash leaves nothing behind; -1 with errno set.
 */
int
fd_spool_open(const char *dir)
{
	char path[PATH_MAX];
	int fd, saved;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd != -1 ||
	    (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	/* No O_TMPFILE on this file system: create, then unlink at once. */
	if (snprintf(path, sizeof(path), "%s/prun.XXXXXX", dir) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1)
		return -1;
	saved = errno;
	unlink(path);
	errno = saved;
	return fd;
}

/*
 * Read a small file (a /proc or cgroup file) whole into buf, NUL-terminated;
 * the number of bytes read, or -1 with errno when it can't be opened.
 */
ssize_t
fd_read_file(const char *path, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (got < size - 1) {
		n = read(fd, buf + got, size - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}
