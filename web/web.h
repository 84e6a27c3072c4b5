/* rbldb-web's rooms: the state every handler shares, and what each file offers the others. */
#ifndef WEB_H
#define WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conf.h"
#include "store.h"

/* ---- html.c: an output buffer, HTML escaping, the page frame ---- */

/* A growing text; once out of memory it stays so (oom) and the page becomes a 500. */
struct buf {
	char *p;
	size_t n, cap;
	bool oom;
};
void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* S (N octets) with & < > " ' as character references: safe in text and in quoted attributes. */
void buf_esc(struct buf *b, const char *s, size_t n);
void buf_escs(struct buf *b, const char *s);
/* S for a URL's query value: percent-encoded, so also safe in an attribute. */
void buf_urlq(struct buf *b, const char *s);
void buf_free(struct buf *b);

/* The frame of every page: doctype, head, header with the lookup form, main. */
void html_begin(struct buf *b, const char *title, const char *site, const char *ip);
void html_end(struct buf *b);
/* The one style sheet, served as /style.css (the CSP allows no inline style). */
extern const char web_css[];

/* ---- web.c (http.c): the program's state ---- */

#define WEB_MAX_FIELD 1000	/* octets of a form field */
#define WEB_MAX_BODY 8192	/* octets of a POST body */

struct ratelimit;

struct web {
	struct conf *conf;
	struct store *store;
	struct store_reader rd;	/* the one thread's reader, refreshed per request */
	uint16_t *zone_ids;	/* of conf->zones[i] */
	unsigned char secret[32];	/* CSRF tokens' HMAC key */
	struct ratelimit *per_client, *per_address;
	const char *site;	/* the pages' heading */
};

/* The configured zone of store id ID, or NULL. */
const struct conf_zone *web_zone_by_id(const struct web *w, uint16_t id);

/* An HTTP answer the handlers build. */
struct reply {
	unsigned status;
	const char *type;	/* Content-Type */
	struct buf body;
	char location[512];	/* a redirect's target, "" none */
	bool cache;		/* may be cached (the style sheet); pages are no-store */
	const char *allow;	/* a 405's Allow header */
};

/* ---- lookup.c: an address in every zone ---- */

/* Parse what the user typed: an address or range; IPv4-mapped becomes IPv4.  0 or -1 with *why. */
int web_parse_addr(const char *text, struct addr *out, const char **why);
/* GET /lookup?ip=ADDR, GET /api/v1/lookup/ADDR; CLIENT for the forms' CSRF tokens. */
void web_lookup_page(struct web *w, const char *text, uint64_t req, const struct addr *client,
    struct reply *r);
void web_lookup_json(struct web *w, const char *text, struct reply *r);
/* GET /status and /api/v1/status. */
void web_status_page(struct web *w, struct reply *r, bool json);
/* GET /: the form and what the service is. */
void web_home_page(struct web *w, struct reply *r);
/* An error page with STATUS, a title and one sentence (escaped). */
void web_error_page(struct web *w, struct reply *r, unsigned status, const char *title,
    const char *msg);

/* ---- remove.c: POST /remove ---- */

struct remove_form {
	const char *ip, *zone, *reason, *contact, *csrf;
};

/* A CSRF token for CLIENT, now: "TIME.HMAC" (hex), into BUF of WEB_TOKEN_LEN. */
#define WEB_TOKEN_LEN 80
void web_csrf_token(const struct web *w, const struct addr *client, int64_t now, char *buf);
/* Whether TOKEN was made for CLIENT less than WEB_TOKEN_LIFE seconds before NOW. */
#define WEB_TOKEN_LIFE 7200
bool web_csrf_check(const struct web *w, const struct addr *client, int64_t now,
    const char *token);

/* What a removal request comes to under a zone's policy, before anything is written. */
enum removal_verdict {
	REMOVAL_QUEUE = 1,	/* recorded, waits for the operator */
	REMOVAL_SELF_NOW,	/* delisted at once */
	REMOVAL_SELF_TOO_SOON,	/* self-removal used within removal-interval: refused */
	REMOVAL_RETEST,		/* recorded, waits for a relay test */
	REMOVAL_NOT_LISTED,	/* nothing to remove */
	REMOVAL_PENDING,	/* a request for it waits already */
};
/*
 * The decision alone (unit-tested): POLICY a CONF_REMOVAL_*, LISTED whether
 * the zone lists the address, PENDING whether a request waits already,
 * LAST_SELF the time of the last self-removal of it (0 none), INTERVAL the
 * zone's removal-interval.
 */
enum removal_verdict web_removal_verdict(int policy, bool listed, bool pending,
    int64_t last_self, uint32_t interval, int64_t now);

/* Rate limits: at most LIMIT events per key per hour. */
struct ratelimit *ratelimit_new(size_t slots, uint32_t limit);
void ratelimit_free(struct ratelimit *rl);
/* Count an event for KEY at NOW; false (and not counted) when over the limit. */
bool ratelimit_take(struct ratelimit *rl, const struct addr *key, int64_t now);

void web_remove(struct web *w, const struct remove_form *f, const struct addr *client,
    struct reply *r);

#endif
