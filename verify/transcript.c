/* Transcripts of relay tests: escaped, one event per line, never cut. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transcript.h"
#include "verify_apply.h"

static void
put(struct transcript *t, const char *s, size_t n)
{
	char *nb;
	size_t cap;

	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		cap = t->cap ? t->cap : 4096;
		while (cap < t->len + n + 1)
			cap *= 2;
		if ((nb = realloc(t->buf, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->buf = nb;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

void
transcript_add(struct transcript *t, const char *dir, const char *data, size_t len)
{
	char esc[4];
	size_t i;

	put(t, dir, strlen(dir));
	put(t, " ", 1);
	for (i = 0; i < len; i++)
		put(t, esc, verify_escape_octet((unsigned char)data[i], esc));
	put(t, "\n", 1);
}

void
transcript_note(struct transcript *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	transcript_add(t, "---", buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void
transcript_free(struct transcript *t)
{
	free(t->buf);
	memset(t, 0, sizeof(*t));
}
