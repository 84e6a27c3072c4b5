/* TCP (RFC 7766): connections, limits, framing, pipelined answers and transfer streams. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "tcpframe.h"
#include "timeutil.h"
#include "net_impl.h"


static void conn_process(struct conn *c);
static void conn_close(struct conn *c);
static void conn_touch(struct conn *c);
static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);
static void stream_end(struct conn *c);

static void
conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (++c->nclosed == 2)
		free(c);
}

/*
 * Whether C may be closed for a newcomer (RFC 7766 s6.2.2): it waits for
 * a query and holds none of one, none being answered or transferred.  A
 * connection in the middle of a message is not idle; the message deadline
 * (conn_timer) bounds it instead.
 */
static bool
conn_is_idle(const struct conn *c)
{
	return !c->writing && c->xs == NULL && c->inlen == 0 && !c->parked && !c->closing;
}

/*
 * Publish the last activity of this worker's least recently active idle
 * connection, so a worker at the limit can pick the oldest of all.
 */
static void
worker_lru(struct worker *w)
{
	struct conn *c;

	for (c = w->head; c != NULL && !conn_is_idle(c); c = c->next)
		;
	atomic_store(&w->lru, c != NULL ? c->last : UINT64_MAX);
}

/* Close this worker's least recently active idle connection.  False: it has none. */
static bool
evict_one(struct worker *w)
{
	struct conn *c;

	for (c = w->head; c != NULL && !conn_is_idle(c); c = c->next)
		;
	if (c == NULL)
		return false;
	if (w->m != NULL)
		metrics_add(&w->m->tcp_evicted, 1);
	conn_close(c);
	return true;
}

/* A newcomer over a limit: closed at once, counted as refused. */
static void
conn_refuse(struct conn *c)
{
	if (c->w->m != NULL)
		metrics_add(&c->w->m->tcp_refused, 1);
	conn_close(c);
}

enum evict {
	EVICT_NONE,		/* nothing idle anywhere: the newcomer must go */
	EVICT_DONE,		/* closed here: the newcomer has its place */
	EVICT_ASKED		/* another worker was asked; its answer comes to worker_evict */
};

/*
 * RFC 7766 s6.2.2: at the limit, make room by closing the least recently
 * active idle connection of all workers: here, or by asking its worker.
 */
static enum evict
evict_oldest(struct worker *w)
{
	struct net *n = w->n;
	struct worker *best = NULL;
	uint64_t t, oldest = UINT64_MAX;
	unsigned i;

	worker_lru(w);
	for (i = 0; i < n->nw; i++) {
		if ((t = atomic_load(&n->w[i]->lru)) < oldest) {
			oldest = t;
			best = n->w[i];
		}
	}
	if (best == NULL)
		return EVICT_NONE;
	if (best == w)
		return evict_one(w) ? EVICT_DONE : EVICT_NONE;
	atomic_fetch_add(&best->evict_req[w->id], 1);
	uv_async_send(&best->evict);
	return EVICT_ASKED;
}

/*
 * The answer to a close this worker asked another for.  OK lets the oldest
 * parked newcomer in; otherwise that worker had nothing idle any more, so
 * look again, and refuse the newcomer when nothing is idle anywhere.  With
 * no newcomer parked (its idle timer closed it, and its count with it),
 * the answer has nothing to do.
 */
static void
evict_answered(struct worker *w, bool ok)
{
	struct conn *c;

	for (c = w->head; c != NULL && !c->parked; c = c->next)
		;
	if (c == NULL || w->stopping)
		return;
	if (!ok) {
		switch (evict_oldest(w)) {
		case EVICT_ASKED:
			return;
		case EVICT_NONE:
			conn_refuse(c);
			return;
		case EVICT_DONE:
			break;
		}
	}
	c->parked = false;
	if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read) != 0) {
		conn_close(c);
		return;
	}
	conn_touch(c);
}

/*
 * Closes other workers asked of this one, each answered ok or failed, then
 * the answers to those this one asked for.
 */
void
worker_evict(uv_async_t *a)
{
	struct worker *w = a->data, *r;
	unsigned i, k;

	for (i = 0; i < w->n->nw; i++) {
		if ((k = atomic_exchange(&w->evict_req[i], 0)) == 0)
			continue;
		r = w->n->w[i];
		while (k-- > 0)
			atomic_fetch_add(!w->stopping && evict_one(w) ? &r->evict_ok :
			    &r->evict_fail, 1);
		uv_async_send(&r->evict);
	}
	for (k = atomic_exchange(&w->evict_ok, 0); k > 0; k--)
		evict_answered(w, true);
	for (k = atomic_exchange(&w->evict_fail, 0); k > 0; k--)
		evict_answered(w, false);
}

/* Slot of the per-client count: the IPv4 address, or the IPv6 /64. */
static unsigned
client_slot(const struct sockaddr_storage *ss)
{
	const uint8_t *p;
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i, len;

	if (ss->ss_family == AF_INET6) {
		p = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		len = 8;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
		len = 4;
	}
	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	h ^= ss->ss_family;
	return (h * 16777619u) & (NET_CLIENT_SLOTS - 1);
}

static void
conn_unlink(struct conn *c)
{
	struct worker *w = c->w;

	if (!c->linked)
		return;
	c->linked = false;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		w->tail = c->prev;
	c->prev = c->next = NULL;
}

static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->accepted && c->w->m != NULL)
		metrics_add(&c->w->m->tcp_closed, 1);
	if (c->xs != NULL)
		stream_end(c);
	conn_unlink(c);
	worker_lru(c->w);
	if (c->counted)
		atomic_fetch_sub(&c->w->n->nconns, 1);
	if (c->slot >= 0)
		atomic_fetch_sub(&c->w->n->nclient[c->slot], 1);
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
	uv_close((uv_handle_t *)&c->idle, conn_closed);
}

static void
conn_idle(uv_timer_t *t)
{
	conn_close(t->data);
}

/*
 * One timer per connection.  While the server waits for the rest of a
 * message, it runs to the message deadline, counted from when that wait
 * began (the message's first octet, or the end of the answers written
 * before it) and never extended by further octets: a 65535-octet prefix
 * followed by an octet a second is closed (SPEC: TCP).  Otherwise, or when
 * the idle timeout comes first, it runs to the idle timeout from now.
 * During a transfer it is off: the transfer has its own deadline
 * (xfr-timeout), and a large zone may keep the producer longer than the
 * idle timeout between two messages; stream_pump starts it again at the end.
 */
static void
conn_timer(struct conn *c)
{
	const struct served *sv = c->w->sv;
	uint64_t now = uv_hrtime(), spent, ms = sv->tcp_idle_ms;

	if (c->closing)
		return;
	if (c->xs != NULL) {
		c->msg_start = 0;
		uv_timer_stop(&c->idle);
		return;
	}
	if (c->inlen > 0 && !c->writing && !c->eof && !c->parked) {
		if (c->msg_start == 0)
			c->msg_start = now;
		spent = (now - c->msg_start) / 1000000u;
		if (spent >= sv->tcp_message_ms)
			ms = 0;
		else if (sv->tcp_message_ms - spent < ms)
			ms = sv->tcp_message_ms - spent;
	} else {
		c->msg_start = 0;
	}
	uv_timer_start(&c->idle, conn_idle, ms, 0);
}

/* Answer what is complete in IN, then time what is left of it. */
static void
conn_input(struct conn *c)
{
	size_t had = c->inlen;

	conn_process(c);
	if (c->closing)
		return;
	/* A message was taken: what is left, if anything, is the next one. */
	if (c->inlen < had)
		c->msg_start = 0;
	conn_timer(c);
	worker_lru(c->w);
}

/* Activity: move C to the tail of the list and restart its timer. */
static void
conn_touch(struct conn *c)
{
	struct worker *w = c->w;

	if (!c->linked || w->tail != c) {
		conn_unlink(c);
		c->prev = w->tail;
		if (w->tail != NULL)
			w->tail->next = c;
		else
			w->head = c;
		w->tail = c;
		c->linked = true;
	}
	/* Nanoseconds: a burst of accepts on two workers still orders strictly. */
	c->last = uv_hrtime();
	worker_lru(w);
	conn_timer(c);
}

static void
conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;

	(void)suggested;
	/* Never empty: after conn_process at most one partial message remains. */
	buf->base = (char *)c->in + c->inlen;
	buf->len = sizeof c->in - c->inlen;
}

static void
conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;

	(void)buf;
	if (nread == 0)
		return;
	if (nread == UV_EOF) {
		/* The client half-closed: answer what is complete, then close. */
		c->eof = true;
		uv_read_stop(s);
		conn_input(c);
		return;
	}
	if (nread < 0) {
		conn_close(c);
		return;
	}
	c->inlen += (size_t)nread;
	conn_touch(c);
	conn_input(c);
}

static void stream_pump(struct conn *c);

static void
conn_written(uv_write_t *req, int status)
{
	struct conn *c = req->data;

	c->writing = false;
	if (c->closing)
		return;
	if (status < 0 || c->w->stopping) {
		conn_close(c);
		return;
	}
	conn_touch(c);
	if (c->xs != NULL) {
		stream_pump(c);
		return;
	}
	if (!c->eof)
		uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read);
	conn_input(c);
}

/* Write the answer in OUT[2..2+len); when the client is slow, pause reading until done. */
static void
conn_send(struct conn *c, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)c->out, (unsigned)(len + 2));
	int n;

	c->out[0] = (uint8_t)(len >> 8);
	c->out[1] = (uint8_t)len;
	n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
	if (n == (int)b.len)
		return;
	if (n < 0 && n != UV_EAGAIN) {
		conn_close(c);
		return;
	}
	if (n > 0) {
		b.base += n;
		b.len -= (size_t)n;
	}
	c->writing = true;
	uv_read_stop((uv_stream_t *)&c->tcp);
	c->wr.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, conn_written) != 0) {
		c->writing = false;
		conn_close(c);
	}
}

/* ---- Transfers on a connection ---- */

static void
stream_closed(uv_handle_t *h)
{
	struct xfr_stream *s = h->data;

	if (++s->nclosed == 2)
		free(s);
}

/* The transfer is over (sent, failed or cut off): let go of the job and the handles. */
static void
stream_end(struct conn *c)
{
	struct xfr_stream *s = c->xs;

	c->xs = NULL;
	s->c = NULL;
	/* After this the producer calls no wake, so the async handle can go. */
	xfr_job_free(s->job);
	s->job = NULL;
	served_release(s->sv);
	s->sv = NULL;
	worker_lru(c->w);
	uv_close((uv_handle_t *)&s->async, stream_closed);
	uv_close((uv_handle_t *)&s->deadline, stream_closed);
}

/* Write one message of the stream; conn_written asks for the next. */
static void
stream_send(struct conn *c, size_t len)
{
	uv_buf_t b = uv_buf_init((char *)c->out, (unsigned)(len + 2));

	c->out[0] = (uint8_t)(len >> 8);
	c->out[1] = (uint8_t)len;
	c->writing = true;
	c->wr.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, conn_written) != 0) {
		c->writing = false;
		conn_close(c);
	}
}

static void
stream_pump(struct conn *c)
{
	size_t len = 0;

	if (c->writing || c->closing || c->xs == NULL)
		return;
	switch (xfr_next(c->xs->job, c->out + 2, NET_TCP_MSGMAX, &len)) {
	case XFR_MSG:
		stream_send(c, len);
		break;
	case XFR_AGAIN:
		break;		/* the producer wakes us */
	case XFR_END:
		if (c->w->n->metrics != NULL)
			metrics_xfr_done(c->w->n->metrics, c->xs->zone,
			    (const struct sockaddr *)&c->peer, c->xs->qtype, time_now());
		stream_end(c);
		/* Queries that came in behind the transfer are answered now, then the idle timer runs. */
		if (!c->eof)
			uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read);
		conn_input(c);
		break;
	case XFR_FAIL:
		conn_close(c);
		break;
	}
}

/* From the producer thread: only signal the loop. */
static void
stream_wake(void *arg)
{
	struct xfr_stream *s = arg;

	uv_async_send(&s->async);
}

static void
stream_ready(uv_async_t *a)
{
	struct xfr_stream *s = a->data;

	if (s->c != NULL)
		stream_pump(s->c);
}

static void
stream_deadline(uv_timer_t *t)
{
	struct xfr_stream *s = t->data;

	if (s->c == NULL)
		return;
	/* A client this slow would pin the transfer's snapshot (SPEC: bound it). */
	log_warnx("xfr: transfer not done after %u s: connection closed",
	    s->c->w->n->o.xfr_timeout_ms / 1000);
	conn_close(s->c);
}

/* Send JOB's messages on C, one write at a time; reading waits until the end. */
static void
stream_start(struct conn *c, struct xfr_job *job)
{
	struct worker *w = c->w;
	struct xfr_stream *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		xfr_job_free(job);
		conn_close(c);
		return;
	}
	s->c = c;
	s->job = job;
	/* Of the request just answered by query_answer (through xfr_query). */
	s->zone = w->q.info.zone;
	s->qtype = w->q.info.qtype;
	s->async.data = s;
	s->deadline.data = s;
	if (uv_async_init(&w->loop, &s->async, stream_ready) != 0) {
		xfr_job_free(job);
		free(s);
		conn_close(c);
		return;
	}
	/* The job belongs to this configuration's xfr: keep it until the end. */
	s->sv = w->sv;
	served_hold(s->sv);
	uv_timer_init(&w->loop, &s->deadline);
	uv_timer_start(&s->deadline, stream_deadline, w->n->o.xfr_timeout_ms, 0);
	c->xs = s;
	uv_read_stop((uv_stream_t *)&c->tcp);
	xfr_job_set_wake(job, stream_wake, s);
	stream_pump(c);
}

/*
 * Answer every complete message in IN, in order (RFC 7766 s6.2.1.1:
 * pipelined queries), stopping while a write is pending.
 */
static void
conn_process(struct conn *c)
{
	struct worker *w = c->w;
	const uint8_t *msg;
	size_t off = 0, used, mlen, olen;
	bool snap = false;
	enum query_result r;
	struct xfr_job *job;
	uint64_t t0;

	while (!c->writing && !c->closing && c->xs == NULL) {
		if ((used = tcpframe_next(c->in + off, c->inlen - off, &msg, &mlen)) == 0)
			break;
		if (!snap && !worker_refresh(w)) {
			conn_close(c);
			return;
		}
		snap = true;
		olen = 0;
		t0 = uv_hrtime();
		r = worker_answer(w, (const struct sockaddr *)&c->peer, msg, mlen, QUERY_TCP,
		    c->out + 2, NET_TCP_MSGMAX, &olen, &job);
		off += used;
		if (r == QUERY_DROP) {
			worker_observe(w, QUERY_TCP, t0, 1);
			continue;	/* an ACL said silence; the connection goes on */
		}
		if (w->sv->tcp_max_queries > 0 && ++c->nq >= w->sv->tcp_max_queries) {
			/* tcp-max-queries: this is the last; close once it is written. */
			c->eof = true;
			uv_read_stop((uv_stream_t *)&c->tcp);
			off = c->inlen;
		}
		if (r == QUERY_ANSWER)
			conn_send(c, olen);
		else if (r == QUERY_XFR)
			stream_start(c, job);
		worker_observe(w, QUERY_TCP, t0, 1);
	}
	if (snap)
		query_ctx_release(&w->q);
	tcpframe_consume(c->in, &c->inlen, off);
	if (c->eof && !c->writing && c->xs == NULL)
		conn_close(c);
}

static void
handle_free(uv_handle_t *h)
{
	free(h);
}

/* Out of memory for a connection: take it off the queue and close it. */
static void
conn_reject(uv_stream_t *server)
{
	uv_tcp_t *t = malloc(sizeof *t);

	if (t == NULL)
		return;
	uv_tcp_init(server->loop, t);
	uv_accept(server, (uv_stream_t *)t);
	uv_close((uv_handle_t *)t, handle_free);
}

static void
tcp_accept(uv_stream_t *server, int status)
{
	struct tcp_listener *t = server->data;
	struct worker *w = t->w;
	struct net *n = w->n;
	struct conn *c;
	unsigned slot;
	int namelen;

	if (status < 0 || w->stopping)
		return;
	if ((c = calloc(1, sizeof *c)) == NULL) {
		conn_reject(server);
		return;
	}
	c->w = w;
	c->slot = -1;
	uv_tcp_init(&w->loop, &c->tcp);
	uv_timer_init(&w->loop, &c->idle);
	c->tcp.data = c;
	c->idle.data = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	if (w->m != NULL) {
		c->accepted = true;
		metrics_add(&w->m->tcp_accepted, 1);
	}
	namelen = sizeof(c->peer);
	uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&c->peer, &namelen);
	/* tcp-max-conns-per-client: a client at its limit gets no more. */
	if (w->sv->tcp_max_client > 0) {
		slot = client_slot(&c->peer);
		if (atomic_fetch_add(&n->nclient[slot], 1) >= w->sv->tcp_max_client) {
			atomic_fetch_sub(&n->nclient[slot], 1);
			conn_refuse(c);
			return;
		}
		c->slot = (int)slot;
	}
	/*
	 * tcp-max-conns is hard: over it, an idle connection is closed for the
	 * newcomer or the newcomer is.  Counting first makes concurrent accepts
	 * on two workers see different totals, so each one over the limit
	 * makes room for itself.  One waiting for another worker to make room
	 * is parked, counted but not read, until the answer (evict_answered).
	 */
	c->counted = true;
	if (atomic_fetch_add(&n->nconns, 1) >= w->sv->tcp_max_conns) {
		switch (evict_oldest(w)) {
		case EVICT_NONE:
			conn_refuse(c);
			return;
		case EVICT_ASKED:
			c->parked = true;
			break;
		case EVICT_DONE:
			break;
		}
	}
	if (!c->parked &&
	    uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read) != 0) {
		conn_close(c);
		return;
	}
	conn_touch(c);
}

int
tcp_init(struct worker *w, struct tcp_listener *t, const struct listen_addr *la, char *err,
    size_t errlen)
{
	int fd, rc;

	t->w = w;
	if ((fd = sock_open(la, SOCK_STREAM, true, err, errlen)) < 0)
		return fd;
	uv_tcp_init(&w->loop, &t->tcp);
	t->tcp.data = t;
	t->open = true;
	if ((rc = uv_tcp_open(&t->tcp, fd)) != 0) {
		close(fd);
		goto fail;
	}
	if ((rc = uv_listen((uv_stream_t *)&t->tcp, NET_TCP_BACKLOG, tcp_accept)) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "%s tcp: %s", la->text, uv_strerror(rc));
	return rc;
}

/*
 * Stop accepting on W's listeners and close its connections, except those
 * with an answer being written: they close once it is written, or after
 * NET_STOP_GRACE_MS, so a client that stops reading cannot hold up the exit.
 */
void
tcp_shutdown(struct worker *w)
{
	struct conn *c, *next;
	size_t i;

	for (i = 0; w->tcp != NULL && i < w->n->nla; i++) {
		struct tcp_listener *t = &w->tcp[i];
		if (t->open && !uv_is_closing((uv_handle_t *)&t->tcp))
			uv_close((uv_handle_t *)&t->tcp, NULL);
	}
	for (c = w->head; c != NULL; c = next) {
		next = c->next;
		if (!c->writing)
			conn_close(c);
		else
			uv_timer_start(&c->idle, conn_idle, NET_STOP_GRACE_MS, 0);
	}
}
