/*
 * Event loop: epoll for descriptors, a binary heap for timers.
 *
 * Timers are kept in a min-heap so that arming, disarming and finding the
 * next one cost O(log n) whatever the number of jobs; epoll means an event
 * costs the same at -j 2 and at -j 256.
 */
#include <sys/epoll.h>

#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "prun.h"
#include "evloop.h"
#include "xmalloc.h"

#define MAX_EVENTS 64

struct evloop {
	int epfd;
	struct ev_timer **heap; /* 1-based */
	size_t nheap;
	size_t heapsize;
	void **graveyard;
	size_t ngrave;
	size_t gravesize;
};

uint64_t
ev_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
ev_realtime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct evloop *
ev_new(void)
{
	struct evloop *loop;

	loop = xcalloc(1, sizeof(*loop));
	if ((loop->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		err(PRUN_EXIT_ERROR, "epoll_create1");
	return loop;
}

void
ev_free(struct evloop *loop)
{
	size_t i;

	for (i = 0; i < loop->ngrave; i++)
		free(loop->graveyard[i]);
	free(loop->graveyard);
	free(loop->heap);
	close(loop->epfd);
	free(loop);
}

/* Register fd; -1 with errno set (EPERM: fd can't be polled, e.g. a file). */
int
ev_io_add(struct evloop *loop, struct ev_io *io, int fd, uint32_t events)
{
	struct epoll_event ev = { 0 };

	io->fd = fd;
	io->events = events;
	ev.events = events;
	ev.data.ptr = io;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	io->added = 1;
	return 0;
}

void
ev_io_mod(struct evloop *loop, struct ev_io *io, uint32_t events)
{
	struct epoll_event ev = { 0 };

	if (!io->added || io->events == events)
		return;
	io->events = events;
	ev.events = events;
	ev.data.ptr = io;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, io->fd, &ev) == -1)
		err(PRUN_EXIT_ERROR, "epoll_ctl");
}

void
ev_io_del(struct evloop *loop, struct ev_io *io)
{
	if (!io->added)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->added = 0;
}

static void
heap_swap(struct evloop *loop, size_t a, size_t b)
{
	struct ev_timer *t = loop->heap[a];

	loop->heap[a] = loop->heap[b];
	loop->heap[b] = t;
	loop->heap[a]->idx = a;
	loop->heap[b]->idx = b;
}

static void
heap_up(struct evloop *loop, size_t i)
{
	while (i > 1 && loop->heap[i / 2]->when > loop->heap[i]->when) {
		heap_swap(loop, i, i / 2);
		i /= 2;
	}
}

static void
heap_down(struct evloop *loop, size_t i)
{
	size_t c;

	for (;;) {
		c = i * 2;
		if (c > loop->nheap)
			break;
		if (c + 1 <= loop->nheap &&
		    loop->heap[c + 1]->when < loop->heap[c]->when)
			c++;
		if (loop->heap[i]->when <= loop->heap[c]->when)
			break;
		heap_swap(loop, i, c);
		i = c;
	}
}

int
ev_timer_armed(const struct ev_timer *t)
{
	return t->idx != 0;
}

void
ev_timer_del(struct evloop *loop, struct ev_timer *t)
{
	size_t i = t->idx;

	if (i == 0)
		return;
	t->idx = 0;
	if (i != loop->nheap) {
		loop->heap[i] = loop->heap[loop->nheap];
		loop->heap[i]->idx = i;
		loop->nheap--;
		heap_up(loop, i);
		heap_down(loop, i);
	} else
		loop->nheap--;
}

/* Arm (or re-arm) t to fire at `when`. */
void
ev_timer_at(struct evloop *loop, struct ev_timer *t, uint64_t when)
{
	ev_timer_del(loop, t);
	if (loop->nheap + 1 >= loop->heapsize) {
		loop->heapsize = loop->heapsize ? loop->heapsize * 2 : 16;
		loop->heap = xreallocarray(loop->heap, loop->heapsize,
		    sizeof(*loop->heap));
	}
	t->when = when;
	t->idx = ++loop->nheap;
	loop->heap[t->idx] = t;
	heap_up(loop, t->idx);
}

void
ev_defer_free(struct evloop *loop, void *p)
{
	if (loop->ngrave == loop->gravesize) {
		loop->gravesize = loop->gravesize ? loop->gravesize * 2 : 16;
		loop->graveyard = xreallocarray(loop->graveyard,
		    loop->gravesize, sizeof(*loop->graveyard));
	}
	loop->graveyard[loop->ngrave++] = p;
}

/* Wait for events or the next timer, and dispatch them. */
void
ev_run_once(struct evloop *loop)
{
	struct epoll_event evs[MAX_EVENTS];
	struct ev_timer *t;
	struct ev_io *io;
	uint64_t now;
	int i, n, timeout = -1;

	if (loop->nheap > 0) {
		now = ev_now();
		if (loop->heap[1]->when <= now)
			timeout = 0;
		else
			timeout = (int)((loop->heap[1]->when - now + 999999) /
			    1000000);
	}
	n = epoll_wait(loop->epfd, evs, MAX_EVENTS, timeout);
	if (n == -1) {
		if (errno != EINTR)
			err(PRUN_EXIT_ERROR, "epoll_wait");
		n = 0;
	}
	for (i = 0; i < n; i++) {
		io = evs[i].data.ptr;
		if (io->added)
			io->cb(io, evs[i].events);
	}
	now = ev_now();
	while (loop->nheap > 0 && loop->heap[1]->when <= now) {
		t = loop->heap[1];
		ev_timer_del(loop, t);
		t->cb(t);
	}
	for (i = 0; i < (int)loop->ngrave; i++)
		free(loop->graveyard[i]);
	loop->ngrave = 0;
}
