/*
 * Wire protocol: frame buffers and the pure encoders and decoders of
 * every message.  See proto.h for the format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prun.h"
#include "proto.h"
#include "xmalloc.h"

/* Payload sizes of the fixed-size messages. */
#define HELLO_LEN 12
#define JOB_FIXED_LEN 64
#define STARTED_LEN 20
#define DONE_LEN 60
#define OUTPUT_FIXED_LEN 12
#define KILL_LEN 12

void
fb_init(struct framebuf *fb)
{
	memset(fb, 0, sizeof(*fb));
}

void
fb_free(struct framebuf *fb)
{
	free(fb->buf);
	memset(fb, 0, sizeof(*fb));
}

size_t
fb_len(const struct framebuf *fb)
{
	return fb->wpos - fb->rpos;
}

/* Make room for n more bytes at the end and return where they go. */
unsigned char *
fb_reserve(struct framebuf *fb, size_t n)
{
	size_t need;

	if (fb->rpos == fb->wpos)
		fb->rpos = fb->wpos = 0;
	/* Never NULL, even for 0 bytes: callers may do pointer arithmetic. */
	if (fb->buf != NULL && fb->size - fb->wpos >= n)
		return fb->buf + fb->wpos;
	if (fb->rpos > 0) {
		memmove(fb->buf, fb->buf + fb->rpos, fb->wpos - fb->rpos);
		fb->wpos -= fb->rpos;
		fb->rpos = 0;
		if (fb->size - fb->wpos >= n)
			return fb->buf + fb->wpos;
	}
	need = fb->wpos + n;
	if (need < 4096)
		need = 4096;
	if (need < fb->size * 2)
		need = fb->size * 2;
	fb->buf = xreallocarray(fb->buf, need, 1);
	fb->size = need;
	return fb->buf + fb->wpos;
}

void
fb_commit(struct framebuf *fb, size_t n)
{
	fb->wpos += n;
}

void
fb_consume(struct framebuf *fb, size_t n)
{
	fb->rpos += n;
	if (fb->rpos == fb->wpos)
		fb->rpos = fb->wpos = 0;
}

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static void
put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t
get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Start a frame of the given type and payload length; return the payload. */
static unsigned char *
frame_start(struct framebuf *fb, uint16_t type, uint16_t flags, size_t len)
{
	unsigned char *p;

	p = fb_reserve(fb, PROTO_HDR_LEN + len);
	put16(p, type);
	put16(p + 2, flags);
	put32(p + 4, (uint32_t)len);
	fb_commit(fb, PROTO_HDR_LEN + len);
	return p + PROTO_HDR_LEN;
}

int
proto_frame(const unsigned char *p, size_t len, struct proto_hdr *hdr,
    const unsigned char **payload, const char **errstr)
{
	if (len < PROTO_HDR_LEN)
		return 0;
	hdr->type = get16(p);
	hdr->flags = get16(p + 2);
	hdr->len = get32(p + 4);
	if (hdr->type == 0 || hdr->type >= MSG_MAX) {
		*errstr = "unknown frame type";
		return -1;
	}
	if (hdr->len > PRUN_MAX_FRAME) {
		*errstr = "frame too long";
		return -1;
	}
	if (len - PROTO_HDR_LEN < hdr->len)
		return 0;
	*payload = p + PROTO_HDR_LEN;
	return 1;
}

/* Check a fixed-size payload's length. */
static int
want_len(size_t len, size_t want, const char **errstr)
{
	if (len != want) {
		*errstr = "bad frame length";
		return -1;
	}
	return 0;
}

int
proto_dec_hello(const unsigned char *p, size_t len, struct msg_hello *m,
    const char **errstr)
{
	if (want_len(len, HELLO_LEN, errstr) == -1)
		return -1;
	m->version = get32(p);
	m->pid = get32(p + 4);
	m->slot = get32(p + 8);
	return 0;
}

void
proto_enc_hello(struct framebuf *fb, const struct msg_hello *m)
{
	unsigned char *p;

	p = frame_start(fb, MSG_HELLO, 0, HELLO_LEN);
	put32(p, m->version);
	put32(p + 4, m->pid);
	put32(p + 8, m->slot);
}

int
proto_dec_job(const unsigned char *p, size_t len, struct msg_job *m,
    const char **errstr)
{
	if (len < JOB_FIXED_LEN) {
		*errstr = "short job frame";
		return -1;
	}
	m->seq = get64(p);
	m->slot = get32(p + 8);
	m->outmode = get32(p + 12);
	m->attempt = get32(p + 16);
	m->flags = get32(p + 20);
	m->nice = (int32_t)get32(p + 24);
	m->lim_mem = get64(p + 28);
	m->lim_cpu = get64(p + 36);
	m->lim_procs = get64(p + 44);
	m->lim_files = get64(p + 52);
	m->shell_len = get32(p + 60);
	if (m->flags & ~(uint32_t)(JOB_DIRECT | JOB_F_NICE | JOB_F_LAST)) {
		*errstr = "bad flags in job frame";
		return -1;
	}
	if ((m->flags & JOB_F_NICE) && (m->nice < -20 || m->nice > 19)) {
		*errstr = "bad niceness in job frame";
		return -1;
	}
	if (m->shell_len == 0 || m->shell_len > len - JOB_FIXED_LEN) {
		*errstr = "bad shell length in job frame";
		return -1;
	}
	m->shell = (const char *)p + JOB_FIXED_LEN;
	m->cmd = m->shell + m->shell_len;
	m->cmd_len = (uint32_t)(len - JOB_FIXED_LEN - m->shell_len);
	if (memchr(m->shell, '\0', m->shell_len) != NULL ||
	    memchr(m->cmd, '\0', m->cmd_len) != NULL) {
		*errstr = "NUL byte in job frame";
		return -1;
	}
	if (m->outmode > OUT_UNGROUP) {
		*errstr = "bad output mode in job frame";
		return -1;
	}
	return 0;
}

void
proto_enc_job(struct framebuf *fb, const struct msg_job *m)
{
	unsigned char *p;

	p = frame_start(fb, MSG_JOB, 0,
	    JOB_FIXED_LEN + (size_t)m->shell_len + m->cmd_len);
	put64(p, m->seq);
	put32(p + 8, m->slot);
	put32(p + 12, m->outmode);
	put32(p + 16, m->attempt);
	put32(p + 20, m->flags);
	put32(p + 24, (uint32_t)m->nice);
	put64(p + 28, m->lim_mem);
	put64(p + 36, m->lim_cpu);
	put64(p + 44, m->lim_procs);
	put64(p + 52, m->lim_files);
	put32(p + 60, m->shell_len);
	memcpy(p + JOB_FIXED_LEN, m->shell, m->shell_len);
	memcpy(p + JOB_FIXED_LEN + m->shell_len, m->cmd, m->cmd_len);
}

int
proto_dec_started(const unsigned char *p, size_t len, struct msg_started *m,
    const char **errstr)
{
	if (want_len(len, STARTED_LEN, errstr) == -1)
		return -1;
	m->seq = get64(p);
	m->pid = get32(p + 8);
	m->start_real_ns = get64(p + 12);
	return 0;
}

void
proto_enc_started(struct framebuf *fb, const struct msg_started *m,
    uint16_t fdmask)
{
	unsigned char *p;

	p = frame_start(fb, MSG_STARTED, fdmask, STARTED_LEN);
	put64(p, m->seq);
	put32(p + 8, m->pid);
	put64(p + 12, m->start_real_ns);
}

int
proto_dec_done(const unsigned char *p, size_t len, struct msg_done *m,
    const char **errstr)
{
	if (want_len(len, DONE_LEN, errstr) == -1)
		return -1;
	m->seq = get64(p);
	m->wstatus = (int32_t)get32(p + 8);
	m->spawn_errno = (int32_t)get32(p + 12);
	m->start_real_ns = get64(p + 16);
	m->runtime_ns = get64(p + 24);
	m->out_bytes = get64(p + 32);
	m->err_bytes = get64(p + 40);
	m->fdmask = get32(p + 48);
	m->stage = get32(p + 52);
	m->dflags = get32(p + 56);
	if (m->dflags & ~(uint32_t)(DONE_F_OOM | DONE_F_SPOOL_FULL)) {
		*errstr = "bad flags in done frame";
		return -1;
	}
	if (m->stage >= STAGE_MAX) {
		*errstr = "bad stage in done frame";
		return -1;
	}
	if (m->fdmask & ~(uint32_t)(PROTO_FD_OUT | PROTO_FD_ERR)) {
		*errstr = "bad fd mask in done frame";
		return -1;
	}
	return 0;
}

void
proto_enc_done(struct framebuf *fb, const struct msg_done *m)
{
	unsigned char *p;

	p = frame_start(fb, MSG_DONE, 0, DONE_LEN);
	put64(p, m->seq);
	put32(p + 8, (uint32_t)m->wstatus);
	put32(p + 12, (uint32_t)m->spawn_errno);
	put64(p + 16, m->start_real_ns);
	put64(p + 24, m->runtime_ns);
	put64(p + 32, m->out_bytes);
	put64(p + 40, m->err_bytes);
	put32(p + 48, m->fdmask);
	put32(p + 52, m->stage);
	put32(p + 56, m->dflags);
}

int
proto_dec_output(const unsigned char *p, size_t len, struct msg_output *m,
    const char **errstr)
{
	if (len < OUTPUT_FIXED_LEN) {
		*errstr = "short output frame";
		return -1;
	}
	m->seq = get64(p);
	m->stream = get32(p + 8);
	if (m->stream != 1 && m->stream != 2) {
		*errstr = "bad stream in output frame";
		return -1;
	}
	m->data = p + OUTPUT_FIXED_LEN;
	m->len = (uint32_t)(len - OUTPUT_FIXED_LEN);
	return 0;
}

void
proto_enc_output(struct framebuf *fb, const struct msg_output *m)
{
	unsigned char *p;

	p = frame_start(fb, MSG_OUTPUT, 0, OUTPUT_FIXED_LEN + (size_t)m->len);
	put64(p, m->seq);
	put32(p + 8, m->stream);
	memcpy(p + OUTPUT_FIXED_LEN, m->data, m->len);
}

int
proto_dec_kill(const unsigned char *p, size_t len, struct msg_kill *m,
    const char **errstr)
{
	if (want_len(len, KILL_LEN, errstr) == -1)
		return -1;
	m->seq = get64(p);
	m->signal = get32(p + 8);
	if (m->signal == 0 || m->signal >= 65) {
		*errstr = "bad signal in kill frame";
		return -1;
	}
	return 0;
}

void
proto_enc_kill(struct framebuf *fb, const struct msg_kill *m)
{
	unsigned char *p;

	p = frame_start(fb, MSG_KILL, 0, KILL_LEN);
	put64(p, m->seq);
	put32(p + 8, m->signal);
}

void
proto_enc_shutdown(struct framebuf *fb)
{
	frame_start(fb, MSG_SHUTDOWN, 0, 0);
}
