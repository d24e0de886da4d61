/*
 * libFuzzer harness for the wire-protocol decoder.
 *
 * The input is a byte stream as a supervisor or worker would read it.  It
 * is fed through a framebuf in pieces (the first byte picks their size);
 * each whole frame goes to the decoder of its type, from a buffer of
 * exactly its length so any read past it is caught.  A payload that
 * decodes must encode back to the very same bytes: the decoder may accept
 * nothing the encoder could not have written.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prun.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The frame just re-encoded into fb must equal hdr + payload. */
static void
same(struct framebuf *fb, const unsigned char *frame, size_t len)
{
	if (fb_len(fb) != len || memcmp(fb->buf + fb->rpos, frame, len) != 0)
		abort();
	fb_consume(fb, fb_len(fb));
}

static void
one(const struct proto_hdr *hdr, const unsigned char *frame)
{
	struct framebuf fb;
	struct msg_hello h;
	struct msg_job j;
	struct msg_started st;
	struct msg_done d;
	struct msg_output o;
	struct msg_kill k;
	const char *errstr = NULL;
	unsigned char *p;
	size_t flen = PROTO_HDR_LEN + hdr->len;
	int r = -1;

	p = malloc(hdr->len ? hdr->len : 1);
	if (p == NULL)
		abort();
	memcpy(p, frame + PROTO_HDR_LEN, hdr->len);
	fb_init(&fb);
	switch (hdr->type) {
	case MSG_HELLO:
		if ((r = proto_dec_hello(p, hdr->len, &h, &errstr)) == 0 &&
		    hdr->flags == 0) {
			proto_enc_hello(&fb, &h);
			same(&fb, frame, flen);
		}
		break;
	case MSG_JOB:
		if ((r = proto_dec_job(p, hdr->len, &j, &errstr)) == 0) {
			if (j.shell_len == 0 || j.shell < (const char *)p ||
			    j.cmd + j.cmd_len != (const char *)p + hdr->len)
				abort();
			if (hdr->flags == 0) {
				proto_enc_job(&fb, &j);
				same(&fb, frame, flen);
			}
		}
		break;
	case MSG_STARTED:
		if ((r = proto_dec_started(p, hdr->len, &st, &errstr)) == 0) {
			proto_enc_started(&fb, &st, hdr->flags);
			same(&fb, frame, flen);
		}
		break;
	case MSG_DONE:
		if ((r = proto_dec_done(p, hdr->len, &d, &errstr)) == 0 &&
		    hdr->flags == 0) {
			proto_enc_done(&fb, &d);
			same(&fb, frame, flen);
		}
		break;
	case MSG_OUTPUT:
		if ((r = proto_dec_output(p, hdr->len, &o, &errstr)) == 0 &&
		    hdr->flags == 0) {
			proto_enc_output(&fb, &o);
			same(&fb, frame, flen);
		}
		break;
	case MSG_KILL:
		if ((r = proto_dec_kill(p, hdr->len, &k, &errstr)) == 0 &&
		    hdr->flags == 0) {
			proto_enc_kill(&fb, &k);
			same(&fb, frame, flen);
		}
		break;
	case MSG_SHUTDOWN:
		r = 0;
		break;
	default:
		abort(); /* proto_frame let an unknown type through */
	}
	if (r == -1 && errstr == NULL)
		abort(); /* a rejection must say why */
	fb_free(&fb);
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct framebuf in;
	struct proto_hdr hdr;
	const unsigned char *payload;
	const char *errstr;
	size_t chunk, fed = 0, n;
	int r;

	if (len < 1)
		return 0;
	chunk = (size_t)data[0] * 7 + 1;
	data++;
	len--;
	fb_init(&in);
	while (fed < len) {
		n = len - fed < chunk ? len - fed : chunk;
		memcpy(fb_reserve(&in, n), data + fed, n);
		fb_commit(&in, n);
		fed += n;
		errstr = NULL;
		while ((r = proto_frame(in.buf + in.rpos, fb_len(&in), &hdr,
			    &payload, &errstr)) == 1) {
			if (payload != in.buf + in.rpos + PROTO_HDR_LEN ||
			    hdr.len > PRUN_MAX_FRAME ||
			    PROTO_HDR_LEN + (size_t)hdr.len > fb_len(&in))
				abort();
			one(&hdr, in.buf + in.rpos);
			fb_consume(&in, PROTO_HDR_LEN + hdr.len);
		}
		if (r == -1) {
			if (errstr == NULL)
				abort();
			break; /* the stream is dead, as a reader would see it */
		}
	}
	fb_free(&in);
	return 0;
}
