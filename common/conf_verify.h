/* The [verify] section and the zones' `verify` key: what the relay tester and rbldb read. */
#ifndef CONF_VERIFY_H
#define CONF_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#include "conf_parse.h"

/* Defaults (SPEC "Relay verification", RFC 6471 s3.6). */
#define VERIFY_DEFAULT_PORT 25
#define VERIFY_DEFAULT_MIN_INTERVAL 86400	/* one test per address per day */
#define VERIFY_DEFAULT_CONCURRENCY 4
#define VERIFY_DEFAULT_RATE 2			/* new connections per second */
#define VERIFY_DEFAULT_TIMEOUT 60		/* seconds per SMTP step */
#define VERIFY_DEFAULT_DATA_TIMEOUT 600		/* after the final dot: RFC 5321 s4.5.3.2.6 */
#define VERIFY_DEFAULT_WINDOW 900		/* how long a sent message may take to arrive */

struct conf_verify {
	char *secret;		/* HMAC key of the cookies; NULL: tests cannot run */
	char *dropbox;		/* the drop box's address: "verify@dropbox.example.org" */
	char *helo;		/* the name the tester gives in EHLO/HELO */
	char *url;		/* where the listed party reads about the test and opts out */
	char *from;		/* the envelope sender's local part */
	uint16_t port;
	uint32_t min_interval, timeout, data_timeout, window;
	uint32_t concurrency, rate;
	uint32_t rate_period;	/* seconds: at most `rate` new connections per period */
	struct addr *never;	/* never-test prefixes */
	size_t nnever;
};

/* The parsers of the [verify] keys and of a zone's `verify`, for conf.c's tables. */
conf_set_fn conf_verify_secret, conf_verify_dropbox, conf_verify_helo, conf_verify_url,
    conf_verify_from, conf_verify_port, conf_verify_min_interval, conf_verify_timeout,
    conf_verify_data_timeout, conf_verify_window, conf_verify_concurrency,
    conf_verify_rate, conf_verify_never, conf_verify_zone;
/* Fill defaults; 0 or -1 after conf_fail. */
int conf_verify_finish(struct conf_parse *p);
void conf_verify_free(struct conf_verify *v);

#endif
