/* How rbldb commands write entries, texts and times, as text and as JSON (jansson). */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "addr.h"

/* Longest text form of a code: "127.255.255.255". */
#define OUTPUT_CODELEN 16

/* Write the A record CODE (host order) as a dotted quad into BUF; returns BUF. */
char *output_code(uint32_t code, char *buf, size_t len);

/* Write NET as "ADDR/PLEN", with the length even for one address; returns BUF. */
char *output_net(const struct addr *net, char *buf, size_t len);
/* output_net, or for an entry of a names zone its name (store_net_text); LEN NAME_TEXTLEN. */
char *output_entry(struct store_reader *rd, const struct addr *net, char *buf, size_t len);

/*
 * Write the text S[0..LEN) to F on one line: control octets and backslash
 * become \xNN, so a reason cannot break the line format of list or show.
 * QUOTED puts it in double quotes and escapes those too.
 */
void output_text(FILE *f, const char *s, size_t len, bool quoted);

/* JSON values: a string, or null when S is NULL.  Invalid UTF-8 becomes '?'. */
json_t *output_json_text(const char *s, size_t len);
json_t *output_json_str(const char *s);
/* An RFC 3339 string, or null for T == 0 ("never"). */
json_t *output_json_time(int64_t t);
json_t *output_json_code(uint32_t code);

/*
 * Dump J to stdout followed by a newline and release it.  Keys stay in the
 * order they were set (jansson keeps insertion order), so the same data
 * always gives the same bytes.  Returns 0 or -EIO.
 */
int output_json_print(json_t *j, size_t flags);

#endif
