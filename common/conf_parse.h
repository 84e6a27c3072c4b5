/* The configuration parser's rooms: what a key's parser needs, and rbldbd's hooks into it. */
#ifndef CONF_PARSE_H
#define CONF_PARSE_H

/*
 * Both programs read the same file, and each refuses a key it does not
 * know, so common/conf.c names every key of every section.  It parses the
 * keys both programs read; the keys only rbldbd reads carry a hook number
 * instead of a parser, and rbldbd passes the parsers (server/conf_server.c)
 * to conf_load() in a struct conf_hooks.  rbldb passes none: it checks the
 * names and the shape of those keys (a scalar given once, not continued)
 * and skips their values, which rbldbd checks when it starts or reloads.
 */

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

/* The parse under way: opaque, valid during conf_load() only. */
struct conf_parse;

/*
 * Parse VALUE, one line of a key's value (a list key gets each
 * continuation line on its own).  Returns 0, or -1 after conf_fail().
 */
typedef int conf_set_fn(struct conf_parse *p, const char *value);

/* The keys only rbldbd reads, by section: the index of their parser in conf_hooks.set. */
enum conf_hook_key {
	CONF_HOOK_NONE = 0,	/* a key both programs read: common/conf.c parses it */
	/* [server] */
	CONF_HOOK_LISTEN,
	CONF_HOOK_THREADS,
	CONF_HOOK_USER,
	CONF_HOOK_XFR_TIMEOUT,
	CONF_HOOK_CHROOT,
	CONF_HOOK_RRL_EXEMPT,
	CONF_HOOK_TCP_MAX_CONNS,
	CONF_HOOK_TCP_MAX_CONNS_CLIENT,
	CONF_HOOK_TCP_IDLE,
	CONF_HOOK_TCP_MESSAGE,
	CONF_HOOK_TCP_MAX_QUERIES,
	CONF_HOOK_UDP_BATCH_WAIT,
	CONF_HOOK_METRICS,
	CONF_HOOK_QUERY_LOG,
	CONF_HOOK_NSID,
	CONF_HOOK_SYSLOG,
	CONF_HOOK_QUERY_LOG_FORMAT,
	CONF_HOOK_KEY_DAY_START,
	/* [server] and [zone NAME]: conf_parse_zone() tells which */
	CONF_HOOK_ACL,
	CONF_HOOK_RRL_RATE,
	CONF_HOOK_RRL_SLIP,
	/* [zone NAME] */
	CONF_HOOK_ALLOW_TRANSFER,
	CONF_HOOK_NOTIFY,
	CONF_HOOK_JOURNAL_MAX,
	CONF_HOOK_JOURNAL_AGE,
	CONF_HOOK_KEYS,
	CONF_HOOK_KEY_REFUSAL,
	/* [key NAME] */
	CONF_HOOK_ALGORITHM,
	CONF_HOOK_SECRET,
	CONF_NHOOKS
};

/*
 * rbldbd's part of the parse.  Each function returns 0, or -1 after
 * conf_fail(); any may be NULL.  free is called by conf_free() for every
 * conf loaded with these hooks, also one whose load failed half way.
 */
struct conf_hooks {
	conf_set_fn *set[CONF_NHOOKS];	/* a NULL parser skips the key as rbldb does */
	int (*begin)(struct conf_parse *p);	/* before the first line: set c->server */
	int (*zone)(struct conf_parse *p, struct conf_zone *z);	/* [zone NAME] opened: z->server */
	/* [key NAME] opened: NAME lower case with the trailing dot, WRITTEN as in the file. */
	int (*key)(struct conf_parse *p, const char *name, const char *written);
	int (*value_end)(struct conf_parse *p);	/* the last line of a key's value was read */
	int (*finish)(struct conf_parse *p);	/* the file was read; before the apex files */
	void (*free)(struct conf *c);		/* c->server and every z->server */
};

/* The configuration being read, and the zone whose section is being read (NULL outside one). */
struct conf *conf_parse_conf(struct conf_parse *p);
struct conf_zone *conf_parse_zone(struct conf_parse *p);
/* The line being read. */
int conf_parse_line(const struct conf_parse *p);
/* Whether that line is an indented one continuing the previous key's value. */
bool conf_parse_continued(const struct conf_parse *p);

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
/* A zone name IN as stored (lower case, no trailing dot) into OUT; false if it is none. */
bool conf_norm_zone_name(const char *in, char *out, size_t len);

/* ---- common/conf_web.c: [web] and the zones' removal keys ---- */

extern conf_set_fn conf_web_listen, conf_web_proxy, conf_web_per_client, conf_web_per_address,
    conf_web_prefix4, conf_web_prefix6, conf_web_user, conf_web_secret, conf_web_title;
extern conf_set_fn conf_zone_removal, conf_zone_removal_interval;
/* Defaults of [web] and of a new zone's removal keys. */
void conf_web_defaults(struct conf *c);
void conf_zone_removal_defaults(struct conf_zone *z);
void conf_web_free(struct conf *c);

/* ---- common/conf_apex.c ---- */

/*
 * Read Z's apex file (z->apex_path) into z->apex, z->soa and
 * z->apex_serial: SOA, NS and optional A/AAAA/TXT at the apex.  An error
 * names the apex file's line, or APEX_LINE of the configuration.
 */
int conf_apex_load(struct conf_parse *p, struct conf_zone *z, int apex_line);

/* conf_zone.c: the keys of [zone NAME] both programs read, but apex (conf.c) and those below. */
extern conf_set_fn conf_zone_family, conf_zone_code, conf_zone_text, conf_zone_ttl,
    conf_zone_lifetime, conf_zone_max_range, conf_zone_max_range6, conf_zone_max_change,
    conf_zone_never;
/* conf_zone.c: authority-ns = yes|no (rbldnsd's -A and -a). */
extern conf_set_fn conf_zone_authority_ns;

/* conf_kind.c: the keys of name-based and aggregate zones, checked at the end of the file. */
conf_set_fn set_kind, set_never_names, set_members, set_answer;
int conf_kind_check(struct conf_parse *p, struct conf_zone *z);
void conf_kind_free(struct conf_zone *z);

#endif
