/* One relay test's SMTP dialogue on libuv: connect, EHLO/HELO, the relay forms, one message at most. */
#ifndef SMTP_H
#define SMTP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

#include "addr.h"
#include "transcript.h"

enum smtp_outcome {
	SMTP_SENT = 1,		/* a relayed message was accepted after DATA: wait for it */
	SMTP_CLOSED,		/* every form was refused (or authentication is required) */
	SMTP_INCONCLUSIVE,	/* no connection, a timeout, 4xx, the server hung up */
};

/* What a test needs; strings are borrowed for the session's life. */
struct smtp_params {
	struct sockaddr_storage peer;	/* where to connect */
	struct addr target;		/* the tested address (the cookies' and the literal's) */
	const char *helo;		/* our name */
	const char *from;		/* the sender's local part */
	const char *dropbox;		/* local@domain */
	const char *secret;		/* cookie key */
	const char *url;		/* about the test and opting out; may be NULL */
	const char *zone;		/* for the message's text */
	uint64_t job;
	int64_t cookie_time;
	unsigned timeout;		/* seconds per step */
	unsigned data_timeout;		/* seconds after the final dot */
	unsigned first_form, last_form;	/* forms to try, 1..FORM_COUNT */
	/*
	 * The rate of new connections, asked before the reconnect after a 421
	 * greeting (the first connection is the caller's): 0 to connect now,
	 * else milliseconds to wait.  NULL: no limit.
	 */
	uint64_t (*gate)(void *arg);
	void *gate_arg;
};

struct smtp_session;
typedef void (*smtp_done_cb)(struct smtp_session *s, void *arg, enum smtp_outcome out,
    unsigned form, const char *note, struct transcript *tr);

/*
 * Start a test on LOOP.  CB is called once, after every handle is closed;
 * it owns nothing of the session but may read TR until it returns, after
 * which the session is freed.  Returns 0 or a negative errno (nothing started).
 */
int smtp_start(uv_loop_t *loop, const struct smtp_params *p, smtp_done_cb cb, void *arg);

#endif
