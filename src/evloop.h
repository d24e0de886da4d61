/*
 * evloop.h: the supervisor's one event loop (epoll), with timers.
 *
 * Owns the epoll descriptor and the timer heap.  Callers own their ev_io
 * and ev_timer structs and must keep them alive while registered; memory
 * that a callback wants gone while the loop is dispatching is handed to
 * ev_defer_free(), which frees it after the current batch.  Nothing here
 * knows about jobs or workers.
 */
#ifndef PRUN_EVLOOP_H
#define PRUN_EVLOOP_H

#include <stddef.h>
#include <stdint.h>

struct evloop;
struct ev_io;
struct ev_timer;

typedef void ev_io_cb(struct ev_io *, uint32_t);
typedef void ev_timer_cb(struct ev_timer *);

struct ev_io {
	int fd;
	uint32_t events;
	ev_io_cb *cb;
	void *arg;
	int added;
};

struct ev_timer {
	uint64_t when; /* CLOCK_MONOTONIC ns */
	ev_timer_cb *cb;
	void *arg;
	size_t idx; /* position in the heap, 0 when not armed */
};

struct evloop *ev_new(void);
void ev_free(struct evloop *);
int ev_io_add(struct evloop *, struct ev_io *, int, uint32_t);
void ev_io_mod(struct evloop *, struct ev_io *, uint32_t);
void ev_io_del(struct evloop *, struct ev_io *);
void ev_timer_at(struct evloop *, struct ev_timer *, uint64_t);
void ev_timer_del(struct evloop *, struct ev_timer *);
int ev_timer_armed(const struct ev_timer *);
void ev_defer_free(struct evloop *, void *);
void ev_run_once(struct evloop *);

uint64_t ev_now(void); /* CLOCK_MONOTONIC, ns */
uint64_t ev_realtime(void); /* CLOCK_REALTIME, ns */

#endif
