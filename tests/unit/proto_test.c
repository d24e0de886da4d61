/*
 * Unit tests of the wire protocol (proto.c): every message survives an
 * encode/decode round trip, and the decoders reject truncated, oversized
 * and malformed frames without reading past the bytes they are given.
 * Payloads are decoded from buffers of exactly their size, so a
 * sanitizer build catches any read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prun.h"
#include "proto.h"
#include "tap.h"

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* Copy [p, p+len) into a buffer of exactly len bytes. */
static unsigned char *
exact(const unsigned char *p, size_t len)
{
	unsigned char *q = malloc(len ? len : 1);

	if (q == NULL)
		abort();
	memcpy(q, p, len);
	return q;
}

/* The single frame in fb: its header, and its payload in an exact copy. */
static unsigned char *
one_frame(struct framebuf *fb, struct proto_hdr *hdr)
{
	const unsigned char *payload;
	const char *errstr = NULL;

	if (proto_frame(fb->buf + fb->rpos, fb_len(fb), hdr, &payload,
		&errstr) != 1)
		return NULL;
	if (fb_len(fb) != PROTO_HDR_LEN + hdr->len)
		return NULL;
	return exact(payload, hdr->len);
}

/* Every proper prefix of a frame asks for more bytes, never errs. */
static int
prefixes_incomplete(const struct framebuf *fb)
{
	struct proto_hdr hdr;
	const unsigned char *payload;
	const char *errstr = NULL;
	unsigned char *q;
	size_t n;
	int r;

	for (n = 0; n < fb_len(fb); n++) {
		q = exact(fb->buf + fb->rpos, n);
		r = proto_frame(q, n, &hdr, &payload, &errstr);
		free(q);
		if (r != 0)
			return 0;
	}
	return 1;
}

static void
test_hello(void)
{
	struct framebuf fb;
	struct proto_hdr hdr;
	struct msg_hello in = { PROTO_VERSION, 4242, 7 }, out;
	const char *errstr = NULL;
	unsigned char *p;

	fb_init(&fb);
	proto_enc_hello(&fb, &in);
	p = one_frame(&fb, &hdr);
	tap_ok(p != NULL && hdr.type == MSG_HELLO && hdr.len == 12,
	    "hello: one whole frame of 12 payload bytes");
	tap_ok(p != NULL && proto_dec_hello(p, hdr.len, &out, &errstr) == 0 &&
		out.version == in.version && out.pid == in.pid &&
		out.slot == in.slot,
	    "hello: round trip");
	tap_ok(p != NULL &&
		proto_dec_hello(p, hdr.len - 1, &out, &errstr) == -1 &&
		errstr != NULL,
	    "hello: a short payload is rejected");
	tap_ok(prefixes_incomplete(&fb), "hello: every prefix is incomplete");
	free(p);
	fb_free(&fb);
}

/* The JOB frame's fixed part, and where its shell length sits. */
#define JOB_FIXED 64
#define JOB_SHELL_LEN_AT 60

static void
test_job(void)
{
	struct framebuf fb;
	struct proto_hdr hdr;
	struct msg_job in, out;
	const char *errstr = NULL;
	unsigned char *p, *q;
	const char cmd[] = "echo 'a\tb' \x1b[31m; exit 3";

	memset(&in, 0, sizeof(in));
	in.seq = UINT64_C(0x0102030405060708);
	in.slot = 3;
	in.outmode = OUT_LINE;
	in.attempt = 2;
	in.flags = JOB_DIRECT | JOB_F_NICE | JOB_F_LAST;
	in.nice = -7;
	in.lim_mem = UINT64_C(1) << 40;
	in.lim_cpu = 3;
	in.lim_procs = 50;
	in.lim_files = UINT64_MAX;
	in.shell = "/bin/sh";
	in.shell_len = 7;
	in.cmd = cmd;
	in.cmd_len = (uint32_t)strlen(cmd);
	fb_init(&fb);
	proto_enc_job(&fb, &in);
	p = one_frame(&fb, &hdr);
	tap_ok(p != NULL && hdr.type == MSG_JOB, "job: one whole frame");
	tap_ok(p != NULL && proto_dec_job(p, hdr.len, &out, &errstr) == 0 &&
		out.seq == in.seq && out.slot == 3 && out.outmode == OUT_LINE &&
		out.attempt == 2 && out.shell_len == 7 &&
		out.flags == (JOB_DIRECT | JOB_F_NICE | JOB_F_LAST) &&
		out.nice == -7 && out.lim_mem == in.lim_mem &&
		out.lim_cpu == 3 && out.lim_procs == 50 &&
		out.lim_files == UINT64_MAX &&
		memcmp(out.shell, "/bin/sh", 7) == 0 &&
		out.cmd_len == in.cmd_len &&
		memcmp(out.cmd, cmd, in.cmd_len) == 0,
	    "job: round trip, 64-bit seq and control bytes intact");
	tap_ok(prefixes_incomplete(&fb), "job: every prefix is incomplete");

	/* Malformed payloads, each in an exact buffer. */
	errstr = NULL;
	tap_ok(p != NULL &&
		proto_dec_job(p, JOB_FIXED - 1, &out, &errstr) == -1 &&
		errstr != NULL,
	    "job: shorter than its fixed part is rejected");
	q = exact(p, hdr.len);
	put32(q + JOB_SHELL_LEN_AT, 0);
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == -1,
	    "job: an empty shell is rejected");
	put32(q + JOB_SHELL_LEN_AT, hdr.len - JOB_FIXED + 1);
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == -1,
	    "job: a shell longer than the frame is rejected");
	put32(q + JOB_SHELL_LEN_AT, UINT32_MAX);
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == -1,
	    "job: a shell length of 2^32-1 is rejected");
	put32(q + JOB_SHELL_LEN_AT, hdr.len - JOB_FIXED);
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == 0 &&
		out.cmd_len == 0,
	    "job: a shell taking the whole rest is allowed");
	put32(q + JOB_SHELL_LEN_AT, 7);
	q[JOB_FIXED + 2] = '\0';
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == -1,
	    "job: a NUL byte in the shell is rejected");
	q[JOB_FIXED + 2] = 'b';
	q[hdr.len - 1] = '\0';
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == -1,
	    "job: a NUL byte in the command is rejected");
	q[hdr.len - 1] = '3';
	put32(q + 12, OUT_UNGROUP + 1);
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == -1,
	    "job: an unknown output mode is rejected");
	put32(q + 12, OUT_UNGROUP);
	put32(q + 20, 8);
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == -1,
	    "job: an unknown flag is rejected");
	put32(q + 20, JOB_F_NICE);
	put32(q + 24, 20);
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == -1,
	    "job: a niceness above 19 is rejected");
	put32(q + 24, (uint32_t)-21);
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == -1,
	    "job: a niceness below -20 is rejected");
	put32(q + 24, (uint32_t)-20);
	tap_ok(proto_dec_job(q, hdr.len, &out, &errstr) == 0,
	    "job: the repaired payload decodes again");
	free(q);
	free(p);
	fb_free(&fb);
}

static void
test_started_done(void)
{
	struct framebuf fb;
	struct proto_hdr hdr;
	struct msg_started st = { 99, 12345, UINT64_C(1700000000123456789) };
	struct msg_started sto;
	struct msg_done d, dout;
	const char *errstr = NULL;
	unsigned char *p;

	fb_init(&fb);
	proto_enc_started(&fb, &st, PROTO_FD_OUT | PROTO_FD_ERR);
	p = one_frame(&fb, &hdr);
	tap_ok(p != NULL && hdr.flags == (PROTO_FD_OUT | PROTO_FD_ERR) &&
		proto_dec_started(p, hdr.len, &sto, &errstr) == 0 &&
		sto.seq == 99 && sto.pid == 12345 &&
		sto.start_real_ns == st.start_real_ns,
	    "started: round trip with the fd flags");
	tap_ok(p != NULL &&
		proto_dec_started(p, hdr.len - 1, &sto, &errstr) == -1,
	    "started: a short payload is rejected");
	free(p);
	fb_free(&fb);

	memset(&d, 0, sizeof(d));
	d.seq = 7;
	d.wstatus = -1;
	d.spawn_errno = 28;
	d.start_real_ns = 1;
	d.runtime_ns = UINT64_MAX;
	d.out_bytes = UINT64_C(1) << 40;
	d.err_bytes = 3;
	d.fdmask = PROTO_FD_OUT | PROTO_FD_ERR;
	d.stage = STAGE_LIMIT;
	d.dflags = DONE_F_OOM;
	fb_init(&fb);
	proto_enc_done(&fb, &d);
	p = one_frame(&fb, &hdr);
	memset(&dout, 0, sizeof(dout)); /* padding too, for memcmp */
	tap_ok(p != NULL && proto_dec_done(p, hdr.len, &dout, &errstr) == 0 &&
		memcmp(&d, &dout, sizeof(d)) == 0,
	    "done: round trip of every field, negative and 64-bit ones too");
	tap_ok(prefixes_incomplete(&fb), "done: every prefix is incomplete");
	tap_ok(p != NULL &&
		proto_dec_done(p, hdr.len - 1, &dout, &errstr) == -1,
	    "done: a short payload is rejected");
	free(p);
	fb_free(&fb);

	d.stage = STAGE_MAX;
	fb_init(&fb);
	proto_enc_done(&fb, &d);
	p = one_frame(&fb, &hdr);
	errstr = NULL;
	tap_ok(p != NULL && proto_dec_done(p, hdr.len, &dout, &errstr) == -1 &&
		errstr != NULL,
	    "done: an unknown stage is rejected");
	free(p);
	fb_free(&fb);

	d.stage = STAGE_RAN;
	d.dflags = 4;
	fb_init(&fb);
	proto_enc_done(&fb, &d);
	p = one_frame(&fb, &hdr);
	tap_ok(p != NULL && proto_dec_done(p, hdr.len, &dout, &errstr) == -1,
	    "done: an unknown flag is rejected");
	free(p);
	fb_free(&fb);

	d.dflags = 0;
	d.fdmask = 4;
	fb_init(&fb);
	proto_enc_done(&fb, &d);
	p = one_frame(&fb, &hdr);
	tap_ok(p != NULL && proto_dec_done(p, hdr.len, &dout, &errstr) == -1,
	    "done: an unknown fd mask bit is rejected");
	free(p);
	fb_free(&fb);
}

static void
test_output_kill_shutdown(void)
{
	struct framebuf fb;
	struct proto_hdr hdr;
	struct msg_output o, oo;
	struct msg_kill k = { 5, 15 }, ko;
	const char *errstr = NULL;
	unsigned char *p, bin[256];
	int i;

	for (i = 0; i < 256; i++)
		bin[i] = (unsigned char)i;
	o.seq = 5;
	o.stream = 2;
	o.data = bin;
	o.len = sizeof(bin);
	fb_init(&fb);
	proto_enc_output(&fb, &o);
	p = one_frame(&fb, &hdr);
	tap_ok(p != NULL && proto_dec_output(p, hdr.len, &oo, &errstr) == 0 &&
		oo.seq == 5 && oo.stream == 2 && oo.len == 256 &&
		memcmp(oo.data, bin, 256) == 0,
	    "output: round trip of all 256 byte values");
	tap_ok(p != NULL && proto_dec_output(p, 11, &oo, &errstr) == -1,
	    "output: shorter than its fixed part is rejected");
	if (p != NULL)
		p[8] = 3;
	tap_ok(p != NULL && proto_dec_output(p, hdr.len, &oo, &errstr) == -1,
	    "output: an unknown stream is rejected");
	free(p);
	fb_free(&fb);

	fb_init(&fb);
	proto_enc_kill(&fb, &k);
	p = one_frame(&fb, &hdr);
	tap_ok(p != NULL && proto_dec_kill(p, hdr.len, &ko, &errstr) == 0 &&
		ko.seq == 5 && ko.signal == 15,
	    "kill: round trip");
	if (p != NULL)
		put32(p + 8, 0);
	tap_ok(p != NULL && proto_dec_kill(p, hdr.len, &ko, &errstr) == -1,
	    "kill: signal 0 is rejected");
	if (p != NULL)
		put32(p + 8, 65);
	tap_ok(p != NULL && proto_dec_kill(p, hdr.len, &ko, &errstr) == -1,
	    "kill: signal 65 is rejected");
	free(p);
	fb_free(&fb);

	fb_init(&fb);
	proto_enc_shutdown(&fb);
	p = one_frame(&fb, &hdr);
	tap_ok(p != NULL && hdr.type == MSG_SHUTDOWN && hdr.len == 0,
	    "shutdown: an empty frame");
	free(p);
	fb_free(&fb);
}

static void
test_frame_header(void)
{
	unsigned char h[PROTO_HDR_LEN];
	struct proto_hdr hdr;
	const unsigned char *payload;
	const char *errstr;

	memset(h, 0, sizeof(h));
	errstr = NULL;
	tap_ok(proto_frame(h, sizeof(h), &hdr, &payload, &errstr) == -1 &&
		errstr != NULL,
	    "frame: type 0 is rejected");
	h[0] = MSG_MAX;
	tap_ok(proto_frame(h, sizeof(h), &hdr, &payload, &errstr) == -1,
	    "frame: a type past the last is rejected");
	h[0] = 0xff;
	h[1] = 0xff;
	tap_ok(proto_frame(h, sizeof(h), &hdr, &payload, &errstr) == -1,
	    "frame: type 65535 is rejected");
	h[0] = MSG_OUTPUT;
	h[1] = 0;
	put32(h + 4, PRUN_MAX_FRAME + 1);
	tap_ok(proto_frame(h, sizeof(h), &hdr, &payload, &errstr) == -1,
	    "frame: an oversized length is rejected from the header alone");
	put32(h + 4, UINT32_MAX);
	tap_ok(proto_frame(h, sizeof(h), &hdr, &payload, &errstr) == -1,
	    "frame: a length of 2^32-1 is rejected");
	put32(h + 4, PRUN_MAX_FRAME);
	tap_ok(proto_frame(h, sizeof(h), &hdr, &payload, &errstr) == 0,
	    "frame: the largest length allowed waits for its payload");
	tap_ok(proto_frame(h, 7, &hdr, &payload, &errstr) == 0,
	    "frame: a partial header waits for more");
}

/* Several frames back to back through a framebuf, fed a byte at a time. */
static void
test_stream(void)
{
	struct framebuf all, in;
	struct proto_hdr hdr;
	struct msg_kill k;
	const unsigned char *payload;
	const char *errstr = NULL;
	size_t i;
	int r, got = 0, bad = 0;

	fb_init(&all);
	fb_init(&in);
	for (i = 0; i < 100; i++) {
		k.seq = i;
		k.signal = 9;
		proto_enc_kill(&all, &k);
	}
	for (i = 0; i < fb_len(&all); i++) {
		*fb_reserve(&in, 1) = all.buf[i];
		fb_commit(&in, 1);
		while ((r = proto_frame(in.buf + in.rpos, fb_len(&in), &hdr,
			    &payload, &errstr)) == 1) {
			if (proto_dec_kill(payload, hdr.len, &k, &errstr) ==
				-1 ||
			    k.seq != (uint64_t)got)
				bad++;
			got++;
			fb_consume(&in, PROTO_HDR_LEN + hdr.len);
		}
		if (r == -1)
			bad++;
	}
	tap_ok(got == 100 && bad == 0 && fb_len(&in) == 0,
	    "stream: 100 frames fed a byte at a time decode in order");
	fb_free(&all);
	fb_free(&in);
}

/* Found by fuzzing: reserving 0 bytes of an empty buffer gave NULL. */
static void
test_reserve_empty(void)
{
	struct framebuf fb;

	fb_init(&fb);
	tap_ok(fb_reserve(&fb, 0) != NULL,
	    "framebuf: reserving 0 bytes of an empty buffer is not NULL");
	fb_free(&fb);
}

int
main(void)
{
	test_reserve_empty();
	test_hello();
	test_job();
	test_started_done();
	test_output_kill_shutdown();
	test_frame_header();
	test_stream();
	return tap_done();
}
