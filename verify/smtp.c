/*
 * One relay test's SMTP dialogue (RFC 5321) on libuv.  Every step has a
 * timeout, and a timeout is inconclusive, never "closed": a slow or
 * tarpitting server has not shown that it refuses to relay.  The forms of
 * forms.c are tried in order on one connection (RSET between them); the
 * first RCPT accepted gets DATA and the message, and the test stops there:
 * at most one relayed message per run.  530 anywhere means authentication
 * is required (closed); 421 ends the test as inconclusive, except a 421
 * greeting, after which the tester connects once more, RETRY_PAUSE later
 * (RFC 5321 s3.8: 421 closes the session, a client may try again later).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms.h"
#include "message.h"
#include "smtp.h"
#include "verify_cookie.h"

#define RETRY_PAUSE 5		/* seconds before the one new connection after a 421 greeting */
#define REPLY_MAX 65536		/* a longer reply is not SMTP (RFC 5321 s4.5.3.1.5: 512 a line) */

enum step { ST_CONNECT, ST_BANNER, ST_EHLO, ST_HELO, ST_RSET, ST_MAIL, ST_RCPT, ST_DATA,
	ST_BODY, ST_QUIT };
static const char *const step_names[] = { "connect", "banner", "EHLO", "HELO", "RSET",
	"MAIL FROM", "RCPT TO", "DATA", "end of data", "QUIT" };

struct smtp_session {
	struct smtp_params p;
	uv_loop_t *loop;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t creq;
	smtp_done_cb cb;
	void *arg;
	enum step step;
	unsigned form;		/* the form being tried */
	bool saw_temp;		/* a 4xx to some form: the server did not say no */
	bool retried;		/* the one new connection after a 421 greeting was made */
	bool decided;
	enum smtp_outcome out;
	unsigned out_form;
	char note[256];
	char literal[ADDR_STRLEN + 8], host[256];
	char rcpt[600];		/* RCPT TO of the form being tried */
	char rand[17];		/* the random label of the random-subdomain sender */
	char in[REPLY_MAX];
	size_t inlen, scan;	/* input held; how far it was read into lines */
	bool ended;		/* session_end was called */
	int closing;		/* handles still to close */
	struct transcript tr;
};

struct wreq {
	uv_write_t req;
	char data[];
};

static void session_end(struct smtp_session *s);
static void on_close(uv_handle_t *h);

static void
decide(struct smtp_session *s, enum smtp_outcome out, const char *fmt, ...)
{
	va_list ap;

	if (s->decided)
		return;
	s->decided = true;
	s->out = out;
	va_start(ap, fmt);
	vsnprintf(s->note, sizeof(s->note), fmt, ap);
	va_end(ap);
	transcript_note(&s->tr, "%s", s->note);
}

static void
arm(struct smtp_session *s, unsigned secs);

static void
on_write(uv_write_t *req, int status)
{
	struct smtp_session *s = req->handle->data;

	free(req);
	if (status < 0 && status != UV_ECANCELED) {
		decide(s, SMTP_INCONCLUSIVE, "write failed: %s", uv_strerror(status));
		session_end(s);
	}
}

/* Send LEN octets and wait STEP's reply. */
static void
sendn(struct smtp_session *s, enum step step, const char *data, size_t len)
{
	struct wreq *w = malloc(sizeof(*w) + len);
	uv_buf_t b;
	int rc;

	s->step = step;
	if (w == NULL) {
		decide(s, SMTP_INCONCLUSIVE, "out of memory");
		session_end(s);
		return;
	}
	memcpy(w->data, data, len);
	b = uv_buf_init(w->data, (unsigned)len);
	transcript_add(&s->tr, ">>>", data, len);
	if ((rc = uv_write(&w->req, (uv_stream_t *)&s->tcp, &b, 1, on_write)) < 0) {
		free(w);
		decide(s, SMTP_INCONCLUSIVE, "write failed: %s", uv_strerror(rc));
		session_end(s);
		return;
	}
	arm(s, step == ST_BODY ? s->p.data_timeout : s->p.timeout);
}

static void
sendf(struct smtp_session *s, enum step step, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		decide(s, SMTP_INCONCLUSIVE, "command too long");
		session_end(s);
		return;
	}
	sendn(s, step, buf, (size_t)n);
}

static void
quit(struct smtp_session *s)
{
	sendf(s, ST_QUIT, "QUIT\r\n");
}

static void
try_form(struct smtp_session *s)
{
	struct form_parts fp;
	char mail[600], rcpt[600], local[256];
	const char *at = strchr(s->p.dropbox, '@');

	if (s->form > s->p.last_form) {
		if (s->saw_temp)
			decide(s, SMTP_INCONCLUSIVE, "no form relayed, but some were deferred "
			    "(4xx): not a refusal");
		else
			decide(s, SMTP_CLOSED, "every relay form was refused");
		quit(s);
		return;
	}
	snprintf(local, sizeof(local), "%.*s", (int)(at - s->p.dropbox), s->p.dropbox);
	fp.local = local;
	fp.domain = at + 1;
	fp.from = s->p.from;
	fp.literal = s->literal;
	fp.host = s->host;
	fp.rand = s->rand;
	if (form_build(s->form, &fp, mail, sizeof(mail), rcpt, sizeof(rcpt)) != 0) {
		decide(s, SMTP_INCONCLUSIVE, "form %u does not fit a command", s->form);
		quit(s);
		return;
	}
	transcript_note(&s->tr, "form %u: %s", s->form, form_name(s->form));
	snprintf(s->rcpt, sizeof(s->rcpt), "%s", rcpt);
	sendf(s, ST_MAIL, "MAIL FROM:%s\r\n", mail);
}

static void
next_form(struct smtp_session *s)
{
	s->form++;
	if (s->form > s->p.last_form) {
		try_form(s);
		return;
	}
	sendf(s, ST_RSET, "RSET\r\n");
}

static void
send_message(struct smtp_session *s)
{
	char cookie[VERIFY_COOKIE_LEN], *msg;

	if (verify_cookie_make(s->p.secret, &s->p.target, s->form, s->p.job, s->p.cookie_time,
	    cookie, sizeof(cookie)) == NULL || (msg = message_build(&s->p, s->form, cookie,
	    s->p.cookie_time)) == NULL) {
		decide(s, SMTP_INCONCLUSIVE, "could not make the message");
		quit(s);
		return;
	}
	sendn(s, ST_BODY, msg, strlen(msg));
	free(msg);
}

/* The host name a banner gives ("220 mx.example.org ESMTP"), or the literal. */
static void
banner_host(struct smtp_session *s, const char *line, size_t len)
{
	size_t i, n = 0;

	for (i = 4; i < len && n + 1 < sizeof(s->host); i++) {
		char c = line[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.'))
			break;
		s->host[n++] = c;
	}
	s->host[n] = '\0';
	if (n == 0 || strchr(s->host, '.') == NULL)
		snprintf(s->host, sizeof(s->host), "%s", s->literal);
}

static void on_connect(uv_connect_t *req, int status);

static void
on_retry(uv_timer_t *t)
{
	struct smtp_session *s = t->data;
	uint64_t wait;
	int rc;

	if (s->p.gate != NULL && (wait = s->p.gate(s->p.gate_arg)) > 0) {
		uv_timer_start(&s->timer, on_retry, wait, 0);
		return;
	}
	transcript_note(&s->tr, "connecting again");
	s->step = ST_CONNECT;
	if ((rc = uv_tcp_connect(&s->creq, &s->tcp, (const struct sockaddr *)&s->p.peer,
	    on_connect)) < 0) {
		decide(s, SMTP_INCONCLUSIVE, "no connection: %s", uv_strerror(rc));
		session_end(s);
		return;
	}
	arm(s, s->p.timeout);
}

static void
on_retry_closed(uv_handle_t *h)
{
	struct smtp_session *s = h->data;
	int rc;

	s->inlen = s->scan = 0;
	if ((rc = uv_tcp_init(s->loop, &s->tcp)) < 0) {
		/* No TCP handle to close: only the timer is left. */
		decide(s, SMTP_INCONCLUSIVE, "no new connection: %s", uv_strerror(rc));
		s->ended = true;
		s->closing = 1;
		uv_close((uv_handle_t *)&s->timer, on_close);
		return;
	}
	s->tcp.data = s;
	uv_timer_start(&s->timer, on_retry, (uint64_t)RETRY_PAUSE * 1000, 0);
}

/* A 421 greeting: this connection is closed, one more is made later. */
static void
retry_later(struct smtp_session *s)
{
	s->retried = true;
	s->step = ST_CONNECT;	/* no more replies are read from this connection */
	transcript_note(&s->tr, "421 greeting: the server closes the connection; trying "
	    "once more in %u s", (unsigned)RETRY_PAUSE);
	uv_timer_stop(&s->timer);
	uv_read_stop((uv_stream_t *)&s->tcp);
	uv_close((uv_handle_t *)&s->tcp, on_retry_closed);
}

/* A reply to the banner, EHLO, HELO or RSET: on to a form, or a verdict. */
static void
on_greeting_reply(struct smtp_session *s, int code, const char *first, size_t firstlen)
{
	int cls = code / 100;

	switch (s->step) {
	case ST_BANNER:
		if (cls == 2) {
			banner_host(s, first, firstlen);
			sendf(s, ST_EHLO, "EHLO %s\r\n", s->p.helo);
		} else {
			decide(s, cls == 5 ? SMTP_CLOSED : SMTP_INCONCLUSIVE,
			    "banner %d: the server does not take mail from us", code);
			quit(s);
		}
		break;
	case ST_EHLO:
		if (cls == 2)
			try_form(s);
		else if (cls == 5)	/* RFC 5321 s3.2: fall back to HELO */
			sendf(s, ST_HELO, "HELO %s\r\n", s->p.helo);
		else {
			decide(s, SMTP_INCONCLUSIVE, "EHLO answered %d", code);
			quit(s);
		}
		break;
	case ST_HELO:
		if (cls == 2)
			try_form(s);
		else {
			decide(s, cls == 5 ? SMTP_CLOSED : SMTP_INCONCLUSIVE, "HELO answered %d",
			    code);
			quit(s);
		}
		break;
	case ST_RSET:
		if (cls == 2)
			try_form(s);
		else {
			decide(s, SMTP_INCONCLUSIVE, "RSET answered %d", code);
			quit(s);
		}
		break;
	default:
		break;
	}
}

/*
 * A reply to MAIL FROM, RCPT TO, DATA or the end of data: on to the next
 * step, or the next form when this one is refused.
 */
static void
on_transaction_reply(struct smtp_session *s, int code)
{
	int cls = code / 100;

	switch (s->step) {
	case ST_MAIL:
		if (cls == 2)
			sendf(s, ST_RCPT, "RCPT TO:%s\r\n", s->rcpt);
		else {
			s->saw_temp |= cls == 4;
			next_form(s);
		}
		break;
	case ST_RCPT:
		if (code == 250 || code == 251)
			sendf(s, ST_DATA, "DATA\r\n");
		else {
			s->saw_temp |= cls == 4;
			next_form(s);
		}
		break;
	case ST_DATA:
		if (code == 354)
			send_message(s);
		else {
			s->saw_temp |= cls == 4;
			next_form(s);
		}
		break;
	case ST_BODY:
		if (cls == 2) {
			s->out_form = s->form;
			decide(s, SMTP_SENT, "form %u (%s) accepted the message: it proves nothing "
			    "until it arrives at the drop box", s->form, form_name(s->form));
			quit(s);
		} else {
			s->saw_temp |= cls == 4;
			next_form(s);
		}
		break;
	default:
		break;
	}
}

/* A complete reply with code CODE: what to do next. */
static void
on_reply(struct smtp_session *s, int code, const char *first, size_t firstlen)
{
	if (code == 421 && s->step == ST_BANNER && !s->retried) {
		retry_later(s);
		return;
	}
	if (code == 421) {
		decide(s, SMTP_INCONCLUSIVE, "421 at %s: the server is closing the connection",
		    step_names[s->step]);
		session_end(s);
		return;
	}
	if (code == 530 && s->step != ST_QUIT) {
		decide(s, SMTP_CLOSED, "530 at %s: authentication required",
		    step_names[s->step]);
		quit(s);
		return;
	}
	switch (s->step) {
	case ST_BANNER:
	case ST_EHLO:
	case ST_HELO:
	case ST_RSET:
		on_greeting_reply(s, code, first, firstlen);
		break;
	case ST_MAIL:
	case ST_RCPT:
	case ST_DATA:
	case ST_BODY:
		on_transaction_reply(s, code);
		break;
	case ST_QUIT:
	default:
		session_end(s);
		break;
	}
}

static void
on_timeout(uv_timer_t *t)
{
	struct smtp_session *s = t->data;

	if (s->step == ST_QUIT) {
		session_end(s);
		return;
	}
	decide(s, SMTP_INCONCLUSIVE, "timeout waiting for the reply to %s",
	    step_names[s->step]);
	session_end(s);
}

static void
arm(struct smtp_session *s, unsigned secs)
{
	uv_timer_start(&s->timer, on_timeout, (uint64_t)secs * 1000, 0);
}

/* Take complete replies out of the input: a line "NNN text" ends one (RFC 5321 s4.2.1). */
static void
parse_input(struct smtp_session *s)
{
	const char *line, *nl;
	size_t firstlen = 0;
	int code;

	while (!s->ended && s->step != ST_CONNECT) {
		nl = memchr(s->in + s->scan, '\n', s->inlen - s->scan);
		if (nl == NULL) {
			if (s->inlen == sizeof(s->in)) {
				transcript_add(&s->tr, "<<<", s->in, s->inlen);
				decide(s, SMTP_INCONCLUSIVE, "a reply longer than %d octets",
				    REPLY_MAX);
				session_end(s);
			}
			return;
		}
		line = s->in + s->scan;
		transcript_add(&s->tr, "<<<", line, (size_t)(nl - line + 1));
		if (nl - line < 3 || line[0] < '1' || line[0] > '5' || line[1] < '0' ||
		    line[1] > '9' || line[2] < '0' || line[2] > '9' ||
		    (nl - line > 3 && line[3] != ' ' && line[3] != '-' && line[3] != '\r')) {
			decide(s, SMTP_INCONCLUSIVE, "a reply that is not SMTP");
			session_end(s);
			return;
		}
		if (s->scan == 0)
			firstlen = (size_t)(nl - line);
		s->scan = (size_t)(nl - s->in) + 1;
		if (nl - line > 3 && line[3] == '-')
			continue;
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
		on_reply(s, code, s->in, firstlen);
		memmove(s->in, s->in + s->scan, s->inlen - s->scan);
		s->inlen -= s->scan;
		s->scan = 0;
	}
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct smtp_session *s = h->data;

	(void)suggested;
	buf->base = s->in + s->inlen;
	buf->len = sizeof(s->in) - s->inlen;
}

static void
on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct smtp_session *s = st->data;

	(void)buf;
	if (n < 0) {
		if (s->step == ST_QUIT || s->decided) {
			session_end(s);
			return;
		}
		if (s->inlen > 0)
			transcript_add(&s->tr, "<<<", s->in, s->inlen);
		decide(s, SMTP_INCONCLUSIVE, n == UV_EOF ? "the server closed the connection "
		    "at %s" : "read failed at %s", step_names[s->step]);
		session_end(s);
		return;
	}
	s->inlen += (size_t)n;
	parse_input(s);
}

static void
on_connect(uv_connect_t *req, int status)
{
	struct smtp_session *s = req->data;
	int rc;

	if (status == UV_ECANCELED)
		return;
	if (status < 0) {
		decide(s, SMTP_INCONCLUSIVE, "no connection: %s", uv_strerror(status));
		session_end(s);
		return;
	}
	transcript_note(&s->tr, "connected");
	s->step = ST_BANNER;
	arm(s, s->p.timeout);
	if ((rc = uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read)) < 0) {
		decide(s, SMTP_INCONCLUSIVE, "read failed: %s", uv_strerror(rc));
		session_end(s);
	}
}

static void
on_close(uv_handle_t *h)
{
	struct smtp_session *s = h->data;

	if (--s->closing > 0)
		return;
	if (!s->decided)
		decide(s, SMTP_INCONCLUSIVE, "the dialogue ended without a verdict");
	if (s->tr.failed)
		s->note[0] = '\0';
	s->cb(s, s->arg, s->out, s->out_form, s->tr.failed ? "out of memory: the transcript "
	    "is incomplete" : s->note, &s->tr);
	transcript_free(&s->tr);
	free(s);
}

static void
session_end(struct smtp_session *s)
{
	if (s->ended)
		return;
	s->ended = true;
	s->closing = 2;
	uv_timer_stop(&s->timer);
	uv_close((uv_handle_t *)&s->timer, on_close);
	uv_close((uv_handle_t *)&s->tcp, on_close);
}

static void
free_on_close(uv_handle_t *h)
{
	free(h->data);
}

/* A DNS label no filter can know beforehand: "r" and 14 random hex digits. */
static void
random_label(char *out, size_t len, uint64_t job)
{
	unsigned char b[7];
	size_t i;

	if (uv_random(NULL, NULL, b, sizeof(b), 0, NULL) != 0)
		for (i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)((job * 0x9e3779b97f4a7c15ULL) >> (8 * i));
	out[0] = 'r';
	for (i = 0; i < sizeof(b) && 2 * i + 2 < len; i++)
		snprintf(out + 1 + 2 * i, len - 1 - 2 * i, "%02x", b[i]);
}

int
smtp_start(uv_loop_t *loop, const struct smtp_params *p, smtp_done_cb cb, void *arg)
{
	struct smtp_session *s = calloc(1, sizeof(*s));
	char a[ADDR_STRLEN], peer[ADDR_STRLEN + 16];
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->p = *p;
	s->loop = loop;
	s->cb = cb;
	s->arg = arg;
	s->form = p->first_form;
	addr_format(&p->target, a, sizeof(a));
	snprintf(s->literal, sizeof(s->literal), p->target.fam == ADDR_V4 ? "[%s]" :
	    "[IPv6:%s]", a);
	snprintf(s->host, sizeof(s->host), "%s", s->literal);
	random_label(s->rand, sizeof(s->rand), p->job);
	if ((rc = uv_timer_init(loop, &s->timer)) < 0) {
		free(s);
		return rc;
	}
	if ((rc = uv_tcp_init(loop, &s->tcp)) < 0) {
		s->timer.data = s;
		uv_close((uv_handle_t *)&s->timer, free_on_close);
		return rc;
	}
	s->tcp.data = s->timer.data = s->creq.data = s;
	if (p->peer.ss_family == AF_INET6)
		uv_ip6_name((const struct sockaddr_in6 *)&p->peer, peer, sizeof(peer));
	else
		uv_ip4_name((const struct sockaddr_in *)&p->peer, peer, sizeof(peer));
	transcript_note(&s->tr, "relay test of %s, job %llu: connecting to %s port %u", a,
	    (unsigned long long)p->job, peer, (unsigned)ntohs(((const struct sockaddr_in *)
	    &p->peer)->sin_port));
	s->step = ST_CONNECT;
	if ((rc = uv_tcp_connect(&s->creq, &s->tcp, (const struct sockaddr *)&p->peer,
	    on_connect)) < 0) {
		decide(s, SMTP_INCONCLUSIVE, "no connection: %s", uv_strerror(rc));
		session_end(s);
		return 0;
	}
	arm(s, p->timeout);
	return 0;
}
