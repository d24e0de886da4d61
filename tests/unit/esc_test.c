/*
 * Unit tests for esc.c: XML and JSON escaping of arbitrary bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esc.h"
#include "fd.h"
#include "tap.h"

static void
check(enum esc_kind kind, const char *in, size_t len, const char *want,
    int line)
{
	char *got = NULL;
	size_t gotlen = 0;
	char what[64];
	FILE *fp;

	fp = open_memstream(&got, &gotlen);
	esc_write(fp, kind, in, len, 0);
	fclose(fp);
	snprintf(what, sizeof(what), "%s escaping, line %d",
	    kind == ESC_JSON         ? "JSON" :
		kind == ESC_XML_ATTR ? "XML attribute" :
				       "XML text",
	    line);
	if (!tap_ok(gotlen == strlen(want) && memcmp(got, want, gotlen) == 0,
		what))
		printf("# got \"%s\", want \"%s\"\n", got, want);
	free(got);
}

#define X(in, want) check(ESC_XML_TEXT, in, sizeof(in) - 1, want, __LINE__)
#define A(in, want) check(ESC_XML_ATTR, in, sizeof(in) - 1, want, __LINE__)
#define J(in, want) check(ESC_JSON, in, sizeof(in) - 1, want, __LINE__)

/* A stream cut in the middle of a character comes out whole. */
static void
check_split(void)
{
	const char *s = "a\xc3\xa9"
			"b\xe2\x82\xac"
			"c";
	char *got = NULL;
	size_t gotlen = 0, used, off = 0, i;
	int ok = 1;
	FILE *fp;

	for (i = 1; i < strlen(s); i++) {
		fp = open_memstream(&got, &gotlen);
		used = esc_write(fp, ESC_XML_TEXT, s, i, 1);
		off = used;
		esc_write(fp, ESC_XML_TEXT, s + off, strlen(s) - off, 0);
		fclose(fp);
		if (strcmp(got, s) != 0) {
			printf("# split at %zu: got %s\n", i, got);
			ok = 0;
		}
		free(got);
		got = NULL;
	}
	tap_ok(ok, "a character cut between two calls comes out whole");
}

/* esc_write_fd reads a file range, and drops a cut character's tail. */
static void
check_fd(void)
{
	char tmpl[] = "/tmp/esc_test.XXXXXX", *got = NULL;
	const char *s = "\xc3\xa9tail<&>";
	size_t gotlen = 0;
	FILE *fp;
	int fd;

	if (!tap_ok((fd = mkstemp(tmpl)) != -1, "mkstemp"))
		return;
	unlink(tmpl);
	tap_ok(fd_write_all(fd, s, strlen(s)) == 0, "write a test file");
	fp = open_memstream(&got, &gotlen);
	esc_write_fd(fp, ESC_XML_TEXT, fd, 1, (off_t)strlen(s) - 1, 1);
	fclose(fp);
	if (!tap_ok(strcmp(got, "tail&lt;&amp;&gt;") == 0,
		"a file range cut inside a character drops the partial one"))
		printf("# got %s\n", got);
	free(got);
	got = NULL;
	fp = open_memstream(&got, &gotlen);
	esc_write_fd(fp, ESC_JSON, fd, 0, 100, 0); /* past the end */
	fclose(fp);
	if (!tap_ok(strcmp(got, "\xc3\xa9tail<&>") == 0,
		"a file range past the end is read to the end"))
		printf("# got %s\n", got);
	free(got);
	close(fd);
}

/* Is s[0..n) valid UTF-8 with only characters XML 1.0 allows? */
static int
xml_ok(const unsigned char *s, size_t n, int json)
{
	size_t i = 0, k, len;
	uint32_t c;

	while (i < n) {
		c = s[i];
		len = c < 0x80            ? 1 :
		    c >= 0xc2 && c < 0xe0 ? 2 :
		    c >= 0xe0 && c < 0xf0 ? 3 :
		    c >= 0xf0 && c < 0xf5 ? 4 :
					    0;
		if (len == 0 || i + len > n)
			return 0;
		if (len > 1)
			c &= 0x3f >> (len - 1);
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			c = c << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
		    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return 0;
		if (json ? c < 0x20 || c == '"' :
			   (c < 0x20 && c != '\t' && c != '\n') || c == '<' ||
			    c == 0xfffe || c == 0xffff)
			return 0;
		i += len;
	}
	return 1;
}

/* Random bytes always come out valid, and never with a raw "]]>". */
static void
check_random(void)
{
	unsigned char in[64];
	char *got;
	size_t gotlen, i, n;
	int round, xml_bad = 0, json_bad = 0;
	FILE *fp;

	srandom(1);
	for (round = 0; round < 20000; round++) {
		n = (size_t)random() % sizeof(in);
		for (i = 0; i < n; i++) {
			/* Mostly the bytes that matter. */
			static const unsigned char pick[] = { 0, 1, 9, 10, 13,
				27, '"', '&', '<', '>', ']', '\\', 0x7f, 0x80,
				0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xf4,
				0xff, 'a' };

			in[i] = random() % 3 ? pick[random() % sizeof(pick)] :
					       (unsigned char)random();
		}
		got = NULL;
		fp = open_memstream(&got, &gotlen);
		esc_write(fp, ESC_XML_TEXT, in, n, 0);
		fclose(fp);
		if (!xml_ok((unsigned char *)got, gotlen, 0) ||
		    memmem(got, gotlen, "]]>", 3) != NULL)
			xml_bad++;
		free(got);
		got = NULL;
		fp = open_memstream(&got, &gotlen);
		esc_write(fp, ESC_JSON, in, n, 0);
		fclose(fp);
		/* Unescaped quotes: a backslash must come right before. */
		for (i = 0; i < gotlen; i++)
			if (got[i] == '"' && (i == 0 || got[i - 1] != '\\'))
				json_bad++;
		got[gotlen] = '\0';
		for (i = 0; i < gotlen; i++)
			if (got[i] == '"')
				got[i] = 'q';
		if (!xml_ok((unsigned char *)got, gotlen, 1))
			json_bad++;
		free(got);
	}
	tap_ok(xml_bad == 0, "20000 random inputs: valid XML text");
	tap_ok(json_bad == 0, "20000 random inputs: valid JSON string bodies");
}

int
main(void)
{
	/* XML text. */
	X("plain text", "plain text");
	X("a<b>c&d", "a&lt;b&gt;c&amp;d");
	X("]]>", "]]&gt;");
	X("\"quoted\" 'x'", "\"quoted\" 'x'");
	X("tab\tnl\ncr\r", "tab\tnl\ncr&#13;");
	X("\x1b[31mred\x1b[0m", "\xe2\x90\x9b[31mred\xe2\x90\x9b[0m");
	X("\x01\x08\x0b\x0c\x1f",
	    "\xe2\x90\x81\xe2\x90\x88\xe2\x90\x8b"
	    "\xe2\x90\x8c\xe2\x90\x9f");
	check(ESC_XML_TEXT, "a\0b", 3,
	    "a\xe2\x90\x80"
	    "b",
	    __LINE__);
	X("\x7f", "\x7f");
	X("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xe2\x82\xac "
	    "\xf0\x9f\x98\x80");
	/* Invalid UTF-8: one U+FFFD per maximal ill-formed subsequence. */
	X("\xff", "\xef\xbf\xbd");
	X("a\x80"
	  "b",
	    "a\xef\xbf\xbd"
	    "b");
	X("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"); /* overlong */
	X("\xed\xa0\x80",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	X("\xe2\x82"
	  "x",
	    "\xef\xbf\xbd"
	    "x"); /* truncated, then ASCII */
	X("\xe2\x82", "\xef\xbf\xbd"); /* truncated at the end */
	X("\xf4\x90\x80\x80",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd"); /* above U+10FFFF */
	X("\xef\xbf\xbe\xef\xbf\xbf", "\xef\xbf\xbd\xef\xbf\xbd"); /* FFFE */

	/* XML attributes keep whitespace through normalisation. */
	A("a\"b\tc\nd\re<", "a&quot;b&#9;c&#10;d&#13;e&lt;");

	/* JSON. */
	J("plain", "plain");
	J("q\"b\\s/", "q\\\"b\\\\s/");
	J("\b\f\n\r\t", "\\b\\f\\n\\r\\t");
	J("\x01\x1b\x1f\x7f", "\\u0001\\u001b\\u001f\x7f");
	check(ESC_JSON, "a\0b", 3, "a\\u0000b", __LINE__);
	J("<&>]]>", "<&>]]>");
	J("caf\xc3\xa9", "caf\xc3\xa9");
	J("\xff\xfe", "\\ufffd\\ufffd");
	J("\xe2\x82", "\\ufffd");
	J("\xef\xbf\xbe\xef\xbf\xbf",
	    "\xef\xbf\xbe\xef\xbf\xbf"); /* valid JSON */

	check_split();
	check_fd();
	check_random();
	return tap_done();
}
