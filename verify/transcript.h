/* A relay test's transcript: every line sent and received, escaped, kept whole as evidence. */
#ifndef TRANSCRIPT_H
#define TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

struct transcript {
	char *buf;
	size_t len, cap;
	int failed;		/* out of memory once: the rest is lost, and said so */
	int64_t start;		/* the run's start (seconds), for the offsets */
};

/*
 * Add one event: DIR is "<<<" (received), ">>>" (sent) or "---" (the
 * tester's note), followed by LEN octets of DATA, escaped so that the
 * transcript is printable one-line-per-event UTF-8-free text: CR, LF, TAB
 * and backslash as \r \n \t \\, other octets outside 0x20-0x7e as \xNN.
 * Each event ends with a newline.
 */
void transcript_add(struct transcript *t, const char *dir, const char *data, size_t len);
/* printf-like note ("---"). */
void transcript_note(struct transcript *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void transcript_free(struct transcript *t);

#endif
