/* The configuration parser's rooms: what a key's parser and the apex reader need. */
#ifndef CONF_PARSE_H
#define CONF_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* The parse under way: opaque, valid during conf_load() only. */
struct conf_parse;

/* The configuration being read, and the zone whose section is being read (NULL outside one). */
struct conf *conf_parse_conf(struct conf_parse *p);
struct conf_zone *conf_parse_zone(struct conf_parse *p);
/* The line being read. */
int conf_parse_line(const struct conf_parse *p);

/*
 * Record the parse's first error, "FILE:LINE: message", and return -1
 * so that parsers can `return conf_fail(...)`.  conf_fail() names the line
 * being read; conf_fail_at() names FILE (NULL: the configuration) at LINE
 * (0: the file alone).
 */
int conf_fail(struct conf_parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int conf_fail_at(struct conf_parse *p, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- Helpers for parsers of values ---- */

/*
 * The next item of a list value into BUF: items are separated by blanks
 * and/or commas.  Returns false at the end.  Values come from lines of at
 * most 200 characters, so BUF of 256 always holds an item.
 */
bool conf_next_item(const char **s, char *buf, size_t len);
/* S as a decimal number up to MAX into *OUT; false when it is none. */
bool conf_parse_uint(const char *s, unsigned long max, unsigned long *out);
/* PATH resolved against the configuration's directory; malloc'd, NULL without memory. */
char *conf_resolve_path(const struct conf *c, const char *path);
/* The array ARR of N elements of SIZE grown by one zeroed element; NULL without memory. */
void *conf_push(void *arr, size_t n, size_t size);
/* A TSIG key's name (RFC 8945 s4.2) into OUT: lower case, trailing dot.  False when no name. */
bool conf_norm_key_name(const char *in, char *out, size_t len);

/* ---- common/conf_apex.c ---- */

/*
 * Read Z's apex file (z->apex_path) into z->apex, z->soa and
 * z->apex_serial: SOA, NS and optional A/AAAA/TXT at the apex.  An error
 * names the apex file's line, or APEX_LINE of the configuration.
 */
int conf_apex_load(struct conf_parse *p, struct conf_zone *z, int apex_line);

#endif
