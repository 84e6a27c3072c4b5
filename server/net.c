/* The server's sockets and loops: libuv UDP and TCP workers; no DNS logic here. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#include "log.h"
#include "net.h"
#include "query.h"
#include "rb.h"
#include "store.h"
#include "timeutil.h"

#define NET_BATCH 64		/* UDP datagrams per recvmmsg/sendmmsg */
#define NET_UDP_BUFSIZE 4096	/* per datagram; query.c keeps answers to the client's size */
#define NET_UDP_ROUNDS 16	/* batches per wake-up before TCP gets the loop again */
#define NET_TCP_BACKLOG 128
#define NET_TCP_MSGMAX 65535	/* RFC 1035 s4.2.2: two-octet length prefix */
#define NET_ERRLOG_MS 60000	/* at most one "cannot read the store" line per minute */
#define NET_STOP_GRACE_MS 1000	/* at shutdown, for answers still being written */
#define NET_EXPIRE_FIRST_MS 2000	/* first expiry run after start: catch up soon */

struct worker;

/* A worker's own UDP socket on one listen address, polled by libuv, read by us. */
struct udp_sock {
	struct worker *w;
	uv_poll_t poll;
	int fd;
	bool polling;		/* poll handle initialised; closing it closes fd */
	bool pktinfo;		/* wildcard address: reply from the address asked */
};

struct tcp_listener {
	struct worker *w;
	uv_tcp_t tcp;
	bool open;
};

/*
 * One TCP client.  Both buffers are allocated with the connection so a
 * query never allocates: IN reassembles length-prefixed messages (RFC 7766
 * s8), OUT holds the answer being written.  Answers go out in query order,
 * one at a time; reading pauses while a write waits on the client.
 */
struct conn {
	uv_tcp_t tcp;
	uv_timer_t idle;
	uv_write_t wr;
	struct worker *w;
	struct conn *prev, *next;	/* worker's list, least recently active first */
	size_t inlen;
	int nclosed;			/* close callbacks seen; freed at 2 */
	bool writing, eof, closing;
	uint8_t in[2 + NET_TCP_MSGMAX];
	uint8_t out[2 + NET_TCP_MSGMAX];
};

union pktinfo_buf {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
};

struct worker {
	struct net *n;
	unsigned id;
	uv_thread_t thread;
	bool thread_started;
	bool ran;			/* the loop ran and closed its own handles */
	int rc;				/* query_ctx_init result, read after the semaphore */
	uv_loop_t loop;
	bool loop_init;
	uv_async_t stop;
	bool stop_init;
	bool stopping;
	struct query_ctx q;
	struct udp_sock *udp;		/* one per listen address */
	struct tcp_listener *tcp;	/* one per listen address */
	struct conn *head, *tail;	/* this worker's connections */
	uint64_t errors;		/* batches dropped: no store snapshot */
	uint64_t last_errlog;

	/* UDP batch state, reused by every batch; datagram i of a batch uses slot i. */
	struct mmsghdr rmsg[NET_BATCH], smsg[NET_BATCH];
	struct iovec riov[NET_BATCH], siov[NET_BATCH];
	struct sockaddr_storage peer[NET_BATCH];
	union pktinfo_buf rctl[NET_BATCH], sctl[NET_BATCH];
	uint8_t in[NET_BATCH][NET_UDP_BUFSIZE];
	uint8_t out[NET_BATCH][NET_UDP_BUFSIZE];
};

struct listen_addr {
	struct sockaddr_storage sa;
	socklen_t salen;
	bool wildcard;
	char text[ADDR_STRLEN + 8];
};

struct net {
	struct store *store;
	const struct zonetab *zt;
	struct net_opts o;
	struct listen_addr *la;
	size_t nla;
	struct worker **w;
	unsigned nw;

	uv_loop_t loop;			/* control loop: signals and expiry */
	bool loop_init;
	uv_signal_t sigterm, sigint;
	uv_timer_t expire_timer;
	bool ctl_init, ctl_closed;
	uv_work_t expire_req;
	bool expiring;
	int expire_rc;
	uint64_t expire_n;
	uv_sem_t started;
	bool sem_init;
	atomic_uint nconns;		/* TCP connections of all workers */
};

static void
sockaddr_text(const struct sockaddr_storage *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof host);
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	}
}

static int
setopt_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof value) == 0 ? 0 : -errno;
}

/*
 * A bound, non-blocking socket of TYPE on LA, or -errno with ERR set.
 * REUSEPORT lets every worker bind its own socket to the same address so the
 * kernel spreads the load; without it the bind fails while anyone holds the
 * port, which is how net_open notices another server (even another rbldbd).
 */
static int
sock_open(const struct listen_addr *la, int type, bool reuseport, char *err, size_t errlen)
{
	const char *proto = type == SOCK_DGRAM ? "udp" : "tcp";
	int fd, rc;

	fd = socket(la->sa.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	/* TCP: a restart must not wait for the last run's TIME_WAIT connections. */
	if (type == SOCK_STREAM && (rc = setopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1)) != 0)
		goto fail;
	if (reuseport && (rc = setopt_int(fd, SOL_SOCKET, SO_REUSEPORT, 1)) != 0)
		goto fail;
	/* An IPv6 address serves IPv6 only; IPv4 is listed on its own. */
	if (la->sa.ss_family == AF_INET6 &&
	    (rc = setopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1)) != 0)
		goto fail;
	if (type == SOCK_DGRAM && la->wildcard) {
		if (la->sa.ss_family == AF_INET6)
			rc = setopt_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
		else
			rc = setopt_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
		if (rc != 0)
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&la->sa, la->salen) != 0) {
		rc = -errno;
		goto fail;
	}
	return fd;
fail:
	snprintf(err, errlen, "%s %s: %s", la->text, proto, strerror(-rc));
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Check that LA is free for both UDP and TCP before the workers bind it
 * with SO_REUSEPORT, and resolve port 0 to one port for all sockets.
 */
static int
probe_addr(struct listen_addr *la, char *err, size_t errlen)
{
	struct sockaddr_storage got;
	socklen_t gotlen = sizeof got;
	int fd;

	if ((fd = sock_open(la, SOCK_DGRAM, false, err, errlen)) < 0)
		return fd;
	if (getsockname(fd, (struct sockaddr *)&got, &gotlen) == 0) {
		if (got.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&la->sa)->sin6_port =
			    ((struct sockaddr_in6 *)&got)->sin6_port;
		else
			((struct sockaddr_in *)&la->sa)->sin_port =
			    ((struct sockaddr_in *)&got)->sin_port;
	}
	close(fd);
	sockaddr_text(&la->sa, la->text, sizeof la->text);
	if ((fd = sock_open(la, SOCK_STREAM, false, err, errlen)) < 0)
		return fd;
	close(fd);
	return 0;
}

/* ---- Transfers ---- */

/*
 * The transfer hook: query_answer returns QUERY_XFR for AXFR/IXFR it leaves
 * to the transfer code (RFC 5936, RFC 1995), which will stream several
 * messages on connection C (NULL over UDP).  Until that code exists every
 * transfer request is answered NOTIMP with its question echoed.
 */
static enum query_result
xfr_start(struct conn *c, const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
    size_t *outlen)
{
	size_t end = 12;

	(void)c;
	if (len < 12 || cap < 12)
		return QUERY_DROP;
	/* Find the end of the one question: an uncompressed name, type, class. */
	if (pkt[4] == 0 && pkt[5] == 1) {
		while (end < len && pkt[end] != 0 && pkt[end] < 64)
			end += 1 + pkt[end];
		end += 1 + 4;
		if (end > len || end > cap || pkt[end - 5] != 0)
			end = 12;
	}
	memcpy(out, pkt, end);
	out[2] = (uint8_t)(0x80 | (pkt[2] & 0x79));	/* QR, opcode and RD echoed */
	out[3] = 4;					/* NOTIMP */
	out[4] = 0;
	out[5] = end > 12 ? 1 : 0;
	memset(out + 6, 0, 6);
	*outlen = end;
	return QUERY_ANSWER;
}

/* ---- Store snapshot per batch ---- */

static bool
worker_refresh(struct worker *w)
{
	int rc = query_ctx_refresh(&w->q);
	uint64_t now;

	if (rc == 0)
		return true;
	/* No snapshot, no answers; say so rarely rather than per query. */
	w->errors++;
	now = uv_now(&w->loop);
	if (w->last_errlog == 0 || now - w->last_errlog >= NET_ERRLOG_MS) {
		log_warnx("worker %u: cannot read the store: %s (%llu batches dropped)",
		    w->id, rb_strerror(rc), (unsigned long long)w->errors);
		w->last_errlog = now;
	}
	return false;
}

/* ---- UDP ---- */

/* Answer from the address the query was sent to (RFC 1123 s6.1.3.5), for wildcard sockets. */
static void
udp_set_source(struct msghdr *in, struct msghdr *out, union pktinfo_buf *ctl)
{
	struct cmsghdr *cm, *o;

	for (cm = CMSG_FIRSTHDR(in); cm != NULL; cm = CMSG_NXTHDR(in, cm)) {
		out->msg_control = ctl->buf;
		out->msg_controllen = sizeof ctl->buf;
		o = CMSG_FIRSTHDR(out);
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof pi);
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;	/* let routing pick the interface */
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof pi);
			memcpy(CMSG_DATA(o), &pi, sizeof pi);
			out->msg_controllen = CMSG_SPACE(sizeof pi);
			return;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			/* Keep the interface: link-local sources need it. */
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
			memcpy(CMSG_DATA(o), CMSG_DATA(cm), sizeof(struct in6_pktinfo));
			out->msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
			return;
		}
	}
	out->msg_control = NULL;
	out->msg_controllen = 0;
}

static int
udp_recv(struct worker *w, struct udp_sock *u)
{
	int i, n;

	for (i = 0; i < NET_BATCH; i++) {
		struct msghdr *m = &w->rmsg[i].msg_hdr;
		m->msg_name = &w->peer[i];
		m->msg_namelen = sizeof w->peer[i];
		m->msg_iov = &w->riov[i];
		m->msg_iovlen = 1;
		m->msg_control = u->pktinfo ? w->rctl[i].buf : NULL;
		m->msg_controllen = u->pktinfo ? sizeof w->rctl[i].buf : 0;
		m->msg_flags = 0;
	}
	do
		n = recvmmsg(u->fd, w->rmsg, NET_BATCH, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	return n;
}

static void
udp_send(struct worker *w, struct udp_sock *u, unsigned m)
{
	unsigned sent = 0;
	int k;

	while (sent < m) {
		k = sendmmsg(u->fd, w->smsg + sent, m - sent, MSG_DONTWAIT);
		if (k > 0)
			sent += (unsigned)k;
		else if (k < 0 && errno == EINTR)
			continue;
		else
			sent++;	/* this one cannot go (full buffer, unreachable): drop it */
	}
}

/* Answer datagrams in batches until the socket is drained or the round limit hit. */
static void
udp_readable(uv_poll_t *h, int status, int events)
{
	struct udp_sock *u = h->data;
	struct worker *w = u->w;
	bool snap = false;
	int round, n, i;

	(void)events;
	if (status < 0)
		return;
	for (round = 0; round < NET_UDP_ROUNDS; round++) {
		unsigned m = 0;

		if ((n = udp_recv(w, u)) <= 0)
			break;
		/* One snapshot per batch: commits show up within a batch's time. */
		if (!worker_refresh(w))
			break;
		snap = true;
		for (i = 0; i < n; i++) {
			struct msghdr *s = &w->smsg[m].msg_hdr;
			size_t olen = 0;
			enum query_result r;

			r = query_answer(&w->q, w->in[i], w->rmsg[i].msg_len, QUERY_UDP,
			    w->out[m], NET_UDP_BUFSIZE, &olen);
			if (r == QUERY_XFR)
				r = xfr_start(NULL, w->in[i], w->rmsg[i].msg_len, w->out[m],
				    NET_UDP_BUFSIZE, &olen);
			if (r != QUERY_ANSWER)
				continue;
			s->msg_name = &w->peer[i];
			s->msg_namelen = w->rmsg[i].msg_hdr.msg_namelen;
			w->siov[m].iov_base = w->out[m];
			w->siov[m].iov_len = olen;
			s->msg_iov = &w->siov[m];
			s->msg_iovlen = 1;
			s->msg_flags = 0;
			s->msg_control = NULL;
			s->msg_controllen = 0;
			if (u->pktinfo)
				udp_set_source(&w->rmsg[i].msg_hdr, s, &w->sctl[m]);
			m++;
		}
		udp_send(w, u, m);
		if (n < NET_BATCH)
			break;
	}
	if (snap)
		query_ctx_release(&w->q);
}

static void
udp_closed(uv_handle_t *h)
{
	struct udp_sock *u = h->data;

	close(u->fd);
	u->fd = -1;
}

static int
udp_init(struct worker *w, struct udp_sock *u, const struct listen_addr *la, char *err,
    size_t errlen)
{
	int rc;

	u->w = w;
	if ((u->fd = sock_open(la, SOCK_DGRAM, true, err, errlen)) < 0)
		return u->fd;
	u->pktinfo = la->wildcard;
	if ((rc = uv_poll_init_socket(&w->loop, &u->poll, u->fd)) != 0) {
		snprintf(err, errlen, "%s udp: %s", la->text, uv_strerror(rc));
		close(u->fd);
		u->fd = -1;
		return rc;
	}
	u->polling = true;
	u->poll.data = u;
	if ((rc = uv_poll_start(&u->poll, UV_READABLE, udp_readable)) != 0) {
		snprintf(err, errlen, "%s udp: %s", la->text, uv_strerror(rc));
		return rc;
	}
	return 0;
}

/* ---- TCP ---- */

static void conn_process(struct conn *c);

static void
conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (++c->nclosed == 2)
		free(c);
}

static void
conn_unlink(struct conn *c)
{
	struct worker *w = c->w;

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
	conn_unlink(c);
	atomic_fetch_sub(&c->w->n->nconns, 1);
	uv_close((uv_handle_t *)&c->tcp, conn_closed);
	uv_close((uv_handle_t *)&c->idle, conn_closed);
}

static void
conn_idle(uv_timer_t *t)
{
	conn_close(t->data);
}

/* Activity: move C to the tail of the list and restart its idle timer. */
static void
conn_touch(struct conn *c)
{
	struct worker *w = c->w;

	if (w->tail != c) {
		conn_unlink(c);
		c->prev = w->tail;
		if (w->tail != NULL)
			w->tail->next = c;
		else
			w->head = c;
		w->tail = c;
	}
	uv_timer_start(&c->idle, conn_idle, w->n->o.tcp_idle_ms, 0);
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
		conn_process(c);
		return;
	}
	if (nread < 0) {
		conn_close(c);
		return;
	}
	c->inlen += (size_t)nread;
	conn_touch(c);
	conn_process(c);
}

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
	if (!c->eof)
		uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read);
	conn_process(c);
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

/*
 * Answer every complete message in IN, in order (RFC 7766 s6.2.1.1:
 * pipelined queries), stopping while a write is pending.
 */
static void
conn_process(struct conn *c)
{
	struct worker *w = c->w;
	size_t off = 0, avail, mlen, olen;
	bool snap = false;
	enum query_result r;

	while (!c->writing && !c->closing) {
		avail = c->inlen - off;
		if (avail < 2)
			break;
		mlen = (size_t)c->in[off] << 8 | c->in[off + 1];
		if (avail < 2 + mlen)
			break;
		if (!snap && !worker_refresh(w)) {
			conn_close(c);
			return;
		}
		snap = true;
		olen = 0;
		r = query_answer(&w->q, c->in + off + 2, mlen, QUERY_TCP, c->out + 2,
		    NET_TCP_MSGMAX, &olen);
		if (r == QUERY_XFR)
			r = xfr_start(c, c->in + off + 2, mlen, c->out + 2, NET_TCP_MSGMAX, &olen);
		off += 2 + mlen;
		if (r == QUERY_ANSWER)
			conn_send(c, olen);
	}
	if (snap)
		query_ctx_release(&w->q);
	if (off > 0) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
	if (c->eof && !c->writing)
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
	struct conn *c;

	if (status < 0 || w->stopping)
		return;
	/*
	 * RFC 7766 s6.2.2: at the limit, make room by closing this worker's
	 * least recently active connection.  Counting first makes concurrent
	 * accepts on two workers see different totals, so exactly one of them
	 * closes; only a worker with no connection of its own goes over.
	 */
	if (atomic_fetch_add(&w->n->nconns, 1) >= w->n->o.tcp_max_conns && w->head != NULL)
		conn_close(w->head);
	if ((c = malloc(sizeof *c)) == NULL) {
		atomic_fetch_sub(&w->n->nconns, 1);
		conn_reject(server);
		return;
	}
	c->w = w;
	c->prev = c->next = NULL;
	c->inlen = 0;
	c->nclosed = 0;
	c->writing = c->eof = c->closing = false;
	uv_tcp_init(&w->loop, &c->tcp);
	uv_timer_init(&w->loop, &c->idle);
	c->tcp.data = c;
	c->idle.data = c;
	/* Linked first so conn_close can always unlink. */
	c->prev = w->tail;
	if (w->tail != NULL)
		w->tail->next = c;
	else
		w->head = c;
	w->tail = c;
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read) != 0) {
		conn_close(c);
		return;
	}
	conn_touch(c);
}

static int
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

/* ---- Workers ---- */

/*
 * Stop accepting and reading; connections with an answer on the way are
 * closed when it is written (conn_written), the rest now.  The loop ends
 * when the last handle is closed.
 */
static void
worker_shutdown(struct worker *w)
{
	struct conn *c, *next;
	size_t i;

	w->stopping = true;
	if (w->stop_init && !uv_is_closing((uv_handle_t *)&w->stop))
		uv_close((uv_handle_t *)&w->stop, NULL);
	for (i = 0; w->udp != NULL && i < w->n->nla; i++) {
		struct udp_sock *u = &w->udp[i];
		if (u->polling && !uv_is_closing((uv_handle_t *)&u->poll))
			uv_close((uv_handle_t *)&u->poll, udp_closed);
	}
	for (i = 0; w->tcp != NULL && i < w->n->nla; i++) {
		struct tcp_listener *t = &w->tcp[i];
		if (t->open && !uv_is_closing((uv_handle_t *)&t->tcp))
			uv_close((uv_handle_t *)&t->tcp, NULL);
	}
	for (c = w->head; c != NULL; c = next) {
		next = c->next;
		if (!c->writing)
			conn_close(c);
		else	/* a client that stops reading must not hold up the exit */
			uv_timer_start(&c->idle, conn_idle, NET_STOP_GRACE_MS, 0);
	}
}

static void
worker_stop(uv_async_t *a)
{
	worker_shutdown(a->data);
}

static void
worker_main(void *arg)
{
	struct worker *w = arg;

	/* The store reader belongs to this thread (LMDB read slots are per thread). */
	w->rc = query_ctx_init(&w->q, w->n->zt, w->n->store);
	uv_sem_post(&w->n->started);
	if (w->rc != 0)
		return;
	uv_run(&w->loop, UV_RUN_DEFAULT);
	w->ran = true;
	query_ctx_fini(&w->q);
}

static int
worker_init(struct net *n, struct worker *w, unsigned id, char *err, size_t errlen)
{
	unsigned i;
	size_t j;
	int rc;

	w->n = n;
	w->id = id;
	for (i = 0; i < NET_BATCH; i++) {
		w->riov[i].iov_base = w->in[i];
		w->riov[i].iov_len = sizeof w->in[i];
	}
	if ((rc = uv_loop_init(&w->loop)) != 0) {
		snprintf(err, errlen, "event loop: %s", uv_strerror(rc));
		return rc;
	}
	w->loop_init = true;
	if ((rc = uv_async_init(&w->loop, &w->stop, worker_stop)) != 0) {
		snprintf(err, errlen, "event loop: %s", uv_strerror(rc));
		return rc;
	}
	w->stop.data = w;
	w->stop_init = true;
	w->udp = calloc(n->nla, sizeof *w->udp);
	w->tcp = calloc(n->nla, sizeof *w->tcp);
	if (w->udp == NULL || w->tcp == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (j = 0; j < n->nla; j++)
		w->udp[j].fd = -1;
	for (j = 0; j < n->nla; j++) {
		if ((rc = udp_init(w, &w->udp[j], &n->la[j], err, errlen)) != 0)
			return rc;
		if ((rc = tcp_init(w, &w->tcp[j], &n->la[j], err, errlen)) != 0)
			return rc;
	}
	return 0;
}

/* Close W's handles from the calling thread when its own loop never ran them down. */
static void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	if (w->loop_init) {
		if (!w->ran) {
			worker_shutdown(w);
			uv_run(&w->loop, UV_RUN_DEFAULT);
		}
		uv_loop_close(&w->loop);
	}
	free(w->udp);
	free(w->tcp);
	free(w);
}

/* ---- Control loop: signals and expiry ---- */

static void
expire_work(uv_work_t *req)
{
	struct net *n = req->data;
	struct store_wr *wr;
	uint64_t count = 0;
	int rc;

	/* On the thread pool: the write lock may wait on another process's writer. */
	if ((rc = store_wr_begin(n->store, &wr)) == 0) {
		rc = store_expire(wr, (uint32_t)time_now(), false, NULL, NULL, &count);
		if (rc == 0 && count > 0)
			rc = store_wr_commit(wr);
		else
			store_wr_abort(wr);
	}
	n->expire_rc = rc;
	n->expire_n = rc == 0 ? count : 0;
}

static void
expire_done(uv_work_t *req, int status)
{
	struct net *n = req->data;

	n->expiring = false;
	if (status != 0)
		return;
	if (n->expire_rc != 0)
		log_warnx("expiry: %s", rb_strerror(n->expire_rc));
	else if (n->expire_n > 0)
		log_info("expired %llu listing%s", (unsigned long long)n->expire_n,
		    n->expire_n == 1 ? "" : "s");
}

static void
expire_tick(uv_timer_t *t)
{
	struct net *n = t->data;
	int rc;

	if (n->expiring)
		return;
	n->expire_req.data = n;
	if ((rc = uv_queue_work(&n->loop, &n->expire_req, expire_work, expire_done)) != 0)
		log_warnx("expiry: %s", uv_strerror(rc));
	else
		n->expiring = true;
}

static void
ctl_close(struct net *n)
{
	if (!n->ctl_init || n->ctl_closed)
		return;
	n->ctl_closed = true;
	uv_close((uv_handle_t *)&n->sigterm, NULL);
	uv_close((uv_handle_t *)&n->sigint, NULL);
	uv_close((uv_handle_t *)&n->expire_timer, NULL);
}

static void
on_signal(uv_signal_t *h, int signum)
{
	struct net *n = h->data;
	unsigned i;

	log_info("signal %d: shutting down", signum);
	for (i = 0; i < n->nw; i++)
		if (n->w[i]->thread_started && n->w[i]->rc == 0)
			uv_async_send(&n->w[i]->stop);
	/* The loop ends when these are closed and a running expiry is done. */
	ctl_close(n);
}

static int
ctl_init(struct net *n, char *err, size_t errlen)
{
	int rc;

	if ((rc = uv_loop_init(&n->loop)) != 0)
		goto fail;
	n->loop_init = true;
	uv_signal_init(&n->loop, &n->sigterm);
	uv_signal_init(&n->loop, &n->sigint);
	uv_timer_init(&n->loop, &n->expire_timer);
	n->ctl_init = true;
	n->sigterm.data = n->sigint.data = n->expire_timer.data = n;
	/* Caught from now on, so a signal right after the ready line is a clean stop. */
	if ((rc = uv_signal_start(&n->sigterm, on_signal, SIGTERM)) != 0 ||
	    (rc = uv_signal_start(&n->sigint, on_signal, SIGINT)) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "control loop: %s", uv_strerror(rc));
	return rc;
}

/* ---- API ---- */

int
net_open(struct net **out, const struct conf *c, struct store *s, const struct zonetab *zt,
    const struct net_opts *o, char *err, size_t errlen)
{
	struct net *n;
	unsigned i;
	size_t j;
	int rc;

	*out = NULL;
	if (c->nlisten == 0) {
		snprintf(err, errlen, "no listen address (set listen in [server] or use -l)");
		return -EINVAL;
	}
	if ((n = calloc(1, sizeof *n)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n->store = s;
	n->zt = zt;
	n->o = *o;
	if (n->o.threads == 0)
		n->o.threads = uv_available_parallelism();
	if (n->o.tcp_idle_ms == 0)
		n->o.tcp_idle_ms = NET_TCP_IDLE_MS;
	if (n->o.tcp_max_conns == 0)
		n->o.tcp_max_conns = NET_TCP_MAX_CONNS;
	if (n->o.expire_every_ms == 0)
		n->o.expire_every_ms = NET_EXPIRE_EVERY_MS;

	if ((n->la = calloc(c->nlisten, sizeof *n->la)) == NULL)
		goto nomem;
	n->nla = c->nlisten;
	for (j = 0; j < n->nla; j++) {
		struct listen_addr *la = &n->la[j];
		la->sa = c->listen[j].sa;
		la->salen = c->listen[j].salen;
		if (la->sa.ss_family == AF_INET6)
			la->wildcard = IN6_IS_ADDR_UNSPECIFIED(
			    &((struct sockaddr_in6 *)&la->sa)->sin6_addr);
		else
			la->wildcard = ((struct sockaddr_in *)&la->sa)->sin_addr.s_addr ==
			    htonl(INADDR_ANY);
		sockaddr_text(&la->sa, la->text, sizeof la->text);
		if ((rc = probe_addr(la, err, errlen)) != 0)
			goto fail;
	}

	if ((rc = ctl_init(n, err, errlen)) != 0)
		goto fail;
	if ((rc = uv_sem_init(&n->started, 0)) != 0) {
		snprintf(err, errlen, "semaphore: %s", uv_strerror(rc));
		goto fail;
	}
	n->sem_init = true;

	if ((n->w = calloc(n->o.threads, sizeof *n->w)) == NULL)
		goto nomem;
	n->nw = n->o.threads;
	for (i = 0; i < n->nw; i++) {
		/* Big (batch buffers inline); allocated once per worker. */
		if ((n->w[i] = calloc(1, sizeof *n->w[i])) == NULL)
			goto nomem;
		if ((rc = worker_init(n, n->w[i], i, err, errlen)) != 0)
			goto fail;
	}
	*out = n;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	rc = -ENOMEM;
fail:
	net_close(n);
	return rc;
}

int
net_start(struct net *n, char *err, size_t errlen)
{
	unsigned i, started = 0;
	int rc = 0;

	for (i = 0; i < n->nw; i++) {
		if ((rc = uv_thread_create(&n->w[i]->thread, worker_main, n->w[i])) != 0) {
			snprintf(err, errlen, "worker thread: %s", uv_strerror(rc));
			break;
		}
		n->w[i]->thread_started = true;
		started++;
	}
	for (i = 0; i < started; i++)
		uv_sem_wait(&n->started);
	for (i = 0; rc == 0 && i < started; i++) {
		if (n->w[i]->rc != 0) {
			rc = n->w[i]->rc;
			snprintf(err, errlen, "worker %u: store reader: %s", i, rb_strerror(rc));
		}
	}
	if (rc == 0) {
		uv_timer_start(&n->expire_timer, expire_tick, NET_EXPIRE_FIRST_MS, n->o.expire_every_ms);
		return 0;
	}
	/* Stop the workers that did start; net_close cleans up the rest. */
	for (i = 0; i < started; i++)
		if (n->w[i]->rc == 0)
			uv_async_send(&n->w[i]->stop);
	for (i = 0; i < started; i++) {
		uv_thread_join(&n->w[i]->thread);
		n->w[i]->thread_started = false;
	}
	return rc;
}

char *
net_describe(const struct net *n, char *buf, size_t len)
{
	size_t j, off = 0;
	int k;

	buf[0] = '\0';
	for (j = 0; j < n->nla && off < len; j++) {
		k = snprintf(buf + off, len - off, "%s%s udp tcp", j > 0 ? ", " : "",
		    n->la[j].text);
		if (k < 0)
			break;
		off += (size_t)k;
	}
	return buf;
}

int
net_run(struct net *n)
{
	unsigned i;

	uv_run(&n->loop, UV_RUN_DEFAULT);
	for (i = 0; i < n->nw; i++) {
		if (n->w[i]->thread_started) {
			uv_thread_join(&n->w[i]->thread);
			n->w[i]->thread_started = false;
		}
	}
	return 0;
}

void
net_close(struct net *n)
{
	unsigned i;

	if (n == NULL)
		return;
	/* Workers still running (net_run not called): stop and join them first. */
	for (i = 0; i < n->nw && n->w[i] != NULL; i++)
		if (n->w[i]->thread_started && n->w[i]->rc == 0)
			uv_async_send(&n->w[i]->stop);
	for (i = 0; i < n->nw && n->w[i] != NULL; i++) {
		if (n->w[i]->thread_started) {
			uv_thread_join(&n->w[i]->thread);
			n->w[i]->thread_started = false;
		}
	}
	for (i = 0; i < n->nw; i++)
		worker_free(n->w[i]);
	free(n->w);
	if (n->loop_init) {
		ctl_close(n);
		uv_run(&n->loop, UV_RUN_DEFAULT);
		uv_loop_close(&n->loop);
	}
	if (n->sem_init)
		uv_sem_destroy(&n->started);
	free(n->la);
	free(n);
}
