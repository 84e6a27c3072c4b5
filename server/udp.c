/* UDP: each worker's sockets, read and written in batches (recvmmsg/sendmmsg) through the front door. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "net_impl.h"


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

/*
 * Coalescing of wake-ups (udp-batch-wait), only under load.  At a steady rate each datagram
 * would otherwise find the worker asleep in epoll, and pay a wake-up and
 * three system calls of its own, which on loopback cost more than the
 * answer.  A worker that has just sent a batch while busy (the previous
 * wake-up ended less than two waits ago) sleeps for the wait and then reads
 * what arrived meanwhile as one batch.  Answers already sent are not
 * delayed; a datagram arriving during the pause waits at most the pause.
 * An idle socket costs nothing: the first read after a pause that finds
 * nothing goes back to epoll.  Once a whole batch or more is read at one go
 * (after waking or after a pause), the load fills batches by itself and
 * pausing stops for a while, longer each time this recurs at once: pauses
 * would only slow a client that waits for its answers before it asks more,
 * while a burst after a scheduling delay soon lets pausing resume.
 *
 * A pause is taken only when the worker is loaded (udp_load.h: it spent
 * half of a recent window answering) and the wake-up's first read found a
 * backlog (NET_UDP_BACKLOG datagrams or more already queued, read with
 * MSG_DONTWAIT): the queries then arrive faster than single wake-ups answer
 * them, and waiting gathers more.  Otherwise the worker answers and goes
 * back to epoll at once, so that at low load no datagram waits for another
 * (issue 23: at a fixed 20,000 q/s a pause after every wake-up made the
 * mean latency ten times rbldnsd's, and a pause after each burst that
 * found a backlog still made its p99 four times rbldnsd's).
 *
 * Returns the nanoseconds slept, 0 when it did not pause.
 */
static uint64_t
udp_pause(struct worker *w, uint64_t started, int round, int waits, int gathered,
    int backlog)
{
	unsigned ns = w->sv->udp_batch_wait_ns;
	struct timespec ts;
	uint64_t now;

	if (ns == 0 || waits >= NET_UDP_WAITS || backlog < NET_UDP_BACKLOG ||
	    !w->udp_load.loaded)
		return 0;
	now = uv_hrtime();
	if (gathered >= NET_BATCH) {
		/* Again as soon as the last stop ended: a steady load; stop for longer. */
		if (now < w->udp_nopause_until + 4 * (uint64_t)ns)
			w->udp_nopause_ns = w->udp_nopause_ns < NET_UDP_NOPAUSE_MAX_NS / 2 ?
			    2 * w->udp_nopause_ns : NET_UDP_NOPAUSE_MAX_NS;
		else
			w->udp_nopause_ns = NET_UDP_NOPAUSE_MIN_NS;
		w->udp_nopause_until = now + w->udp_nopause_ns;
		return 0;
	}
	if (now < w->udp_nopause_until)
		return 0;
	if (round == 0 && started - w->udp_last > 2 * (uint64_t)ns)
		return 0;	/* not busy: the first datagram in a while */
	ts.tv_sec = 0;
	ts.tv_nsec = ns;
	nanosleep(&ts, NULL);
	return uv_hrtime() - now;
}

/* Answer datagrams in batches until the socket is drained or the round limit hit. */
static void
udp_readable(uv_poll_t *h, int status, int events)
{
	struct udp_sock *u = h->data;
	struct worker *w = u->w;
	uint64_t started = uv_hrtime(), paused = 0, slept;
	bool snap = false;
	int round, waits = 0, gathered = 0, n, i;	/* gathered: since waking or pausing */
	int backlog = 0;	/* what the first read found queued */

	(void)events;
	if (status < 0)
		return;
	for (round = 0; round < NET_UDP_ROUNDS; round++) {
		unsigned m = 0;
		uint64_t t0;

		if ((n = udp_recv(w, u)) <= 0)
			break;
		t0 = uv_hrtime();
		if (round == 0)
			backlog = n;
		/* One snapshot per batch: commits show up within a batch's time. */
		if (!worker_refresh(w))
			break;
		snap = true;
		for (i = 0; i < n; i++) {
			struct msghdr *s = &w->smsg[m].msg_hdr;
			size_t olen = 0;
			struct xfr_job *job;
			enum query_result r;

			r = worker_answer(w, (const struct sockaddr *)&w->peer[i], w->in[i],
			    w->rmsg[i].msg_len, QUERY_UDP, w->out[m], NET_UDP_BUFSIZE, &olen, &job);
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
		/* Each answer of the batch went out at its end: that is its latency. */
		worker_observe(w, QUERY_UDP, t0, (uint64_t)n);
		gathered += n;
		if (n == NET_BATCH)
			continue;	/* more may be waiting: read again at once */
		if ((slept = udp_pause(w, started, round, waits++, gathered, backlog)) == 0)
			break;
		paused += slept;
		gathered = 0;
		if (w->m != NULL) {
			metrics_add(&w->m->udp_pauses, 1);
			metrics_add(&w->m->udp_pause_ns, slept);
		}
	}
	if (snap)
		query_ctx_release(&w->q);
	w->udp_last = uv_hrtime();
	udp_load_add(&w->udp_load, w->udp_last, w->udp_last - started - paused);
}

static void
udp_closed(uv_handle_t *h)
{
	struct udp_sock *u = h->data;

	close(u->fd);
	u->fd = -1;
}

int
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

/* Close W's UDP sockets; each closes its descriptor when its poll handle is closed. */
void
udp_shutdown(struct worker *w)
{
	size_t i;

	for (i = 0; w->udp != NULL && i < w->n->nla; i++) {
		struct udp_sock *u = &w->udp[i];
		if (u->polling && !uv_is_closing((uv_handle_t *)&u->poll))
			uv_close((uv_handle_t *)&u->poll, udp_closed);
	}
}
