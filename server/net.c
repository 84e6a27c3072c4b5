/* The server's sockets and loops: libuv UDP and TCP workers; no DNS logic here. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
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

#include "acl.h"
#include "door.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "notify.h"
#include "query.h"
#include "querylog.h"
#include "rb.h"
#include "rrl.h"
#include "sdnotify.h"
#include "store.h"
#include "tcpframe.h"
#include "timeutil.h"
#include "tsig.h"
#include "xfr.h"
#include "zonetab.h"

#define NET_BATCH 64		/* UDP datagrams per recvmmsg/sendmmsg */
#define NET_UDP_BUFSIZE 4096	/* per datagram; query.c keeps answers to the client's size */
#define NET_UDP_ROUNDS 16	/* batches per wake-up before TCP gets the loop again */
#define NET_UDP_WAITS 4		/* udp-batch-wait pauses per wake-up, likewise */
#define NET_UDP_NOPAUSE_MIN_NS 1000000	/* no pauses this long once batches fill by themselves, */
#define NET_UDP_NOPAUSE_MAX_NS 128000000	/* doubling up to this while they keep doing so */
#define NET_TCP_BACKLOG 128
#define NET_TCP_MSGMAX 65535	/* RFC 1035 s4.2.2: two-octet length prefix */
#define NET_ERRLOG_MS 60000	/* at most one "cannot read the store" line per minute */
#define NET_STOP_GRACE_MS 1000	/* at shutdown, for answers still being written */
#define NET_EXPIRE_FIRST_MS 2000	/* first expiry run after start: catch up soon */
#define NET_CLIENT_SLOTS 16384	/* TCP connections per client, counted in a hashed table */
#define NET_REAP_MS 200		/* after a reload, how often old configurations are looked at */

struct worker;
struct conn;

/*
 * What one configuration serves: zone table, client policy, TSIG keys,
 * transfer and NOTIFY services, TCP limits.  SIGHUP builds a new one on
 * the thread pool; the control loop makes it current and wakes every
 * worker, which switches between two batches (so no query sees half of
 * each and none waits on a lock).  The old one is freed once REFS, held
 * by each worker and each transfer in progress, falls to zero.
 */
struct served {
	struct conf *conf;		/* owned (NULL: the first, borrowed from main) */
	struct zonetab *zt;		/* likewise */
	const struct conf *c;		/* the configuration in use */
	const struct zonetab *t;
	struct acl *acl;
	struct tsig_keyring *kr;
	struct xfr *xfr;		/* transfers and signed queries, used by every worker */
	struct notify *notify;		/* used by the control loop only */
	unsigned tcp_max_conns;		/* all clients together */
	unsigned tcp_max_client;	/* per client; 0 = no own limit */
	unsigned tcp_idle_ms;
	unsigned tcp_message_ms;	/* a message from its first octet to its last */
	unsigned tcp_max_queries;	/* per connection; 0 = no limit */
	unsigned udp_batch_wait_ns;	/* pause after a batch under load; 0 = none */
	atomic_uint refs;
	struct served *next;		/* list of retired ones, control loop only */
};

/*
 * A zone transfer being sent on a connection: the producer thread wakes
 * the worker through ASYNC when a message is ready, DEADLINE bounds the
 * whole transfer.  Freed when both handles are closed, which may be after
 * the connection is gone.
 */
struct xfr_stream {
	uv_async_t async;
	uv_timer_t deadline;
	struct conn *c;			/* NULL once the stream has ended */
	struct xfr_job *job;
	struct served *sv;		/* the configuration whose xfr made JOB */
	uint16_t zone, qtype;		/* for the metrics, when it is sent whole */
	int nclosed;
};

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
	struct sockaddr_storage peer;	/* for allow-transfer */
	struct xfr_stream *xs;		/* a transfer on its way; queries wait behind it */
	size_t inlen;
	uint64_t last;			/* uv_hrtime of the last activity */
	uint64_t msg_start;		/* uv_hrtime the wait for the message in IN began; 0 = none */
	unsigned nq;			/* queries taken from this connection */
	int slot;			/* per-client count it holds, or -1 */
	int nclosed;			/* close callbacks seen; freed at 2 */
	bool writing, eof, closing;
	bool linked, counted;		/* in the worker's list; in the total count */
	bool accepted;			/* counted as accepted in the metrics */
	bool parked;			/* over the limit: not read until another worker made room */
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
	uv_async_t reload;		/* a new configuration is current */
	uv_async_t evict;		/* another worker needs a connection closed here */
	bool async_init;
	atomic_uint *evict_req;		/* [i]: closes worker i asked for here (one per worker) */
	atomic_uint evict_ok, evict_fail;	/* answers to the closes this worker asked for */
	_Atomic uint64_t lru;		/* last activity of its oldest idle connection, or UINT64_MAX */
	struct served *sv;		/* the configuration this worker answers from */
	struct query_ctx q;
	struct udp_sock *udp;		/* one per listen address */
	struct tcp_listener *tcp;	/* one per listen address */
	struct conn *head, *tail;	/* this worker's connections */
	uint64_t errors;		/* batches dropped: no store snapshot */
	uint64_t udp_last;		/* uv_hrtime when the last UDP wake-up ended */
	uint64_t udp_nopause_until;	/* no udp-batch-wait pauses before this uv_hrtime */
	uint64_t udp_nopause_ns;	/* the length of the last such stop */
	uint64_t last_errlog;
	struct metrics_worker *m;	/* this worker's counters; NULL = no metrics */
	struct querylog_ring *ql;	/* this worker's query log ring; NULL = none */

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
	struct net_opts o;
	struct listen_addr *la;
	size_t nla;
	struct worker **w;
	unsigned nw;

	struct served *_Atomic cur;	/* the configuration being served */
	struct served *retired;		/* older ones still held */
	struct rrl *rrl;		/* rate limiting, shared by every worker */
	net_reload_fn reload_fn;
	void *reload_arg;
	uv_signal_t sighup;
	uv_timer_t reap_timer;		/* frees retired configurations nobody holds */
	uv_work_t reload_req;
	bool reloading, reload_again, stopping;
	struct served *next;		/* built by reload_work */
	char reload_err[512];

	uv_loop_t loop;			/* control loop: signals, expiry, NOTIFY */
	bool loop_init;
	uv_timer_t notify_timer;
	uv_udp_t nsock[2];		/* NOTIFY from here, IPv4 and IPv6; acks read here */
	bool nsock_init[2];
	struct store_reader nrd;	/* the control loop's view of zone serials */
	bool nrd_init;
	uv_signal_t sigterm, sigint;
	uv_timer_t expire_timer;
	bool ctl_init, ctl_closed;
	uv_work_t expire_req;
	struct served *expire_sv;	/* held while an expiry run uses its xfr */
	bool expiring;
	int expire_rc;
	uint64_t expire_n;
	uv_sem_t started;
	bool sem_init;
	atomic_uint nconns;		/* TCP connections of all workers */
	struct metrics *metrics;	/* NULL = no metrics endpoint */
	struct querylog *qlog;		/* NULL = no query log */
	atomic_ushort nclient[NET_CLIENT_SLOTS];	/* TCP connections per client */
};

/* ---- Configurations: built, held by workers and transfers, swapped, freed ---- */

static void
served_hold(struct served *sv)
{
	atomic_fetch_add(&sv->refs, 1);
}

/*
 * Let go of SV.  A retired configuration nobody holds is freed by the
 * control loop's reap timer, so a worker never waits on xfr_free.
 */
static void
served_release(struct served *sv)
{
	if (sv != NULL)
		atomic_fetch_sub(&sv->refs, 1);
}

static void
served_free(struct served *sv)
{
	if (sv == NULL)
		return;
	/* The transfer service borrows the rest: it goes first. */
	xfr_free(sv->xfr);
	notify_free(sv->notify);
	tsig_keyring_free(sv->kr);
	acl_free(sv->acl);
	zonetab_free(sv->zt);
	conf_free(sv->conf);
	free(sv);
}

static unsigned
pick(unsigned opt, unsigned conf, unsigned dflt)
{
	return opt != 0 ? opt : conf != 0 ? conf : dflt;
}

/*
 * What configuration C serves from N's store, with the zone table ZT when
 * given (borrowed), else one built here.  OWNED, when not NULL, is C and is
 * freed with the result (on success only).  Holds one reference for the
 * caller.  NULL with ERR on failure.
 */
static struct served *
served_new(struct net *n, const struct conf *c, struct conf *owned, const struct zonetab *zt,
    char *err, size_t errlen)
{
	struct served *sv;

	if ((sv = calloc(1, sizeof(*sv))) == NULL)
		goto nomem;
	sv->c = c;
	if (zt == NULL && (zt = sv->zt = zonetab_new(c, n->store, err, errlen)) == NULL)
		goto fail;
	sv->t = zt;
	if ((sv->acl = acl_new(c, zt, err, errlen)) == NULL ||
	    (sv->kr = tsig_keyring_new(c, err, errlen)) == NULL)
		goto fail;
	if ((sv->xfr = xfr_new(c, zt, n->store, sv->kr)) == NULL ||
	    (sv->notify = notify_new(c, zt, sv->kr)) == NULL)
		goto nomem;
	sv->tcp_max_conns = pick(n->o.tcp_max_conns, c->tcp_max_conns, NET_TCP_MAX_CONNS);
	sv->tcp_max_client = c->tcp_max_conns_client;
	sv->tcp_idle_ms = pick(n->o.tcp_idle_ms, c->tcp_idle * 1000u, NET_TCP_IDLE_MS);
	sv->tcp_message_ms = pick(0, c->tcp_message * 1000u, NET_TCP_MESSAGE_MS);
	sv->tcp_max_queries = c->tcp_max_queries;
	sv->udp_batch_wait_ns = c->udp_batch_wait * 1000u;
	atomic_init(&sv->refs, 1);
	sv->conf = owned;
	return sv;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	served_free(sv);
	return NULL;
}

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

/* ---- Dispatch ---- */

/*
 * Count the message PKT just handled with result R (answer in OUT) in the
 * worker's metrics and queue its query log line: a few stores, no lock.
 */
static void
account(struct worker *w, const struct sockaddr *peer, const uint8_t *pkt,
    enum query_transport tr, enum query_result r, const uint8_t *out, size_t olen)
{
	const struct query_info *qi = &w->q.info;
	unsigned rcode = qi->rcode;

	/* The header says what went out, whichever part of the door made it. */
	if (r == QUERY_ANSWER && olen >= 4)
		rcode = (out[3] & 0x0fu) | (qi->rcode & 0xff0u);
	if (w->m != NULL)
		metrics_count(w->m, tr, qi->qtype, rcode, qi->zone, (enum metrics_lookup)qi->lookup,
		    (enum metrics_action)qi->action);
	if (w->ql != NULL &&
	    !querylog_put(w->ql, w->q.now, peer, tr, qi->qnamelen > 0 ? pkt + 12 : NULL,
	    qi->qnamelen, qi->qtype, r == QUERY_DROP ? QUERYLOG_DROP : rcode) && w->m != NULL)
		metrics_add(&w->m->querylog_dropped, 1);
}

/* The metrics take query.h's codes as they are. */
_Static_assert((int)MA_MALFORMED == (int)QUERY_ACT_MALFORMED &&
    (int)MA_RRL_TRUNCATE == (int)QUERY_ACT_RRL_TRUNCATE &&
    (int)MA_ACL_ANSWER == (int)QUERY_ACT_ACL_ANSWER && (int)ML_MISS == (int)QUERY_LOOKUP_MISS,
    "metrics.h and query.h disagree");

/* Answer one message through the front door, and count what became of it. */
static enum query_result
answer(struct worker *w, const struct sockaddr *peer, const uint8_t *pkt, size_t len,
    enum query_transport tr, uint8_t *out, size_t cap, size_t *olen, struct xfr_job **job)
{
	enum query_result r;

	r = door_answer(&w->q, w->sv->xfr, w->sv->kr, peer, pkt, len, tr, out, cap, olen, job);
	account(w, peer, pkt, tr, r, out, *olen);
	return r;
}

/* N messages of TR took from T0 (uv_hrtime) to now. */
static void
observe(struct worker *w, enum query_transport tr, uint64_t t0, uint64_t n)
{
	if (w->m != NULL)
		metrics_observe(w->m, tr, uv_hrtime() - t0, n);
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

/*
 * Coalescing of wake-ups (udp-batch-wait).  At a steady rate each datagram
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
 */
static bool
udp_pause(struct worker *w, uint64_t started, int round, int waits, int gathered)
{
	unsigned ns = w->sv->udp_batch_wait_ns;
	struct timespec ts;
	uint64_t now;

	if (ns == 0 || waits >= NET_UDP_WAITS)
		return false;
	now = uv_hrtime();
	if (gathered >= NET_BATCH) {
		/* Again as soon as the last stop ended: a steady load; stop for longer. */
		if (now < w->udp_nopause_until + 4 * (uint64_t)ns)
			w->udp_nopause_ns = w->udp_nopause_ns < NET_UDP_NOPAUSE_MAX_NS / 2 ?
			    2 * w->udp_nopause_ns : NET_UDP_NOPAUSE_MAX_NS;
		else
			w->udp_nopause_ns = NET_UDP_NOPAUSE_MIN_NS;
		w->udp_nopause_until = now + w->udp_nopause_ns;
		return false;
	}
	if (now < w->udp_nopause_until)
		return false;
	if (round == 0 && started - w->udp_last > 2 * (uint64_t)ns)
		return false;	/* not busy: the first datagram in a while */
	ts.tv_sec = 0;
	ts.tv_nsec = ns;
	nanosleep(&ts, NULL);
	return true;
}

/* Answer datagrams in batches until the socket is drained or the round limit hit. */
static void
udp_readable(uv_poll_t *h, int status, int events)
{
	struct udp_sock *u = h->data;
	struct worker *w = u->w;
	uint64_t started = uv_hrtime();
	bool snap = false;
	int round, waits = 0, gathered = 0, n, i;	/* gathered: since waking or pausing */

	(void)events;
	if (status < 0)
		return;
	for (round = 0; round < NET_UDP_ROUNDS; round++) {
		unsigned m = 0;
		uint64_t t0;

		if ((n = udp_recv(w, u)) <= 0)
			break;
		t0 = uv_hrtime();
		/* One snapshot per batch: commits show up within a batch's time. */
		if (!worker_refresh(w))
			break;
		snap = true;
		for (i = 0; i < n; i++) {
			struct msghdr *s = &w->smsg[m].msg_hdr;
			size_t olen = 0;
			struct xfr_job *job;
			enum query_result r;

			r = answer(w, (const struct sockaddr *)&w->peer[i], w->in[i],
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
		observe(w, QUERY_UDP, t0, (uint64_t)n);
		gathered += n;
		if (n == NET_BATCH)
			continue;	/* more may be waiting: read again at once */
		if (!udp_pause(w, started, round, waits++, gathered))
			break;
		gathered = 0;
	}
	if (snap)
		query_ctx_release(&w->q);
	w->udp_last = uv_hrtime();
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
static void
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
 */
static void
conn_timer(struct conn *c)
{
	const struct served *sv = c->w->sv;
	uint64_t now = uv_hrtime(), spent, ms = sv->tcp_idle_ms;

	if (c->closing)
		return;
	if (c->inlen > 0 && !c->writing && c->xs == NULL && !c->eof && !c->parked) {
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
		/* Queries that came in behind the transfer are answered now. */
		if (!c->eof)
			uv_read_start((uv_stream_t *)&c->tcp, conn_alloc, conn_read);
		conn_process(c);
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
		r = answer(w, (const struct sockaddr *)&c->peer, msg, mlen, QUERY_TCP,
		    c->out + 2, NET_TCP_MSGMAX, &olen, &job);
		off += used;
		if (r == QUERY_DROP) {
			observe(w, QUERY_TCP, t0, 1);
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
		observe(w, QUERY_TCP, t0, 1);
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
	if (w->async_init && !uv_is_closing((uv_handle_t *)&w->reload)) {
		uv_close((uv_handle_t *)&w->reload, NULL);
		uv_close((uv_handle_t *)&w->evict, NULL);
	}
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

/*
 * Between two batches (this is a callback of the worker's own loop): answer
 * from the current configuration from now on and let go of the old one.
 */
static void
worker_reload(uv_async_t *a)
{
	struct worker *w = a->data;
	struct served *sv = atomic_load(&w->n->cur), *old = w->sv;

	if (sv == old)
		return;
	served_hold(sv);
	w->sv = sv;
	w->q.zt = sv->t;
	w->q.acl = sv->acl;
	w->q.nsid = sv->c->nsid;
	w->q.nsidlen = (uint16_t)sv->c->nsidlen;
	served_release(old);
}

static void
worker_main(void *arg)
{
	struct worker *w = arg;

	/* The store reader belongs to this thread (LMDB read slots are per thread). */
	w->rc = query_ctx_init(&w->q, w->sv->t, w->n->store);
	w->q.acl = w->sv->acl;
	w->q.rrl = w->n->rrl;
	w->q.presence = w->n->o.presence;
	w->q.nsid = w->sv->c->nsid;
	w->q.nsidlen = (uint16_t)w->sv->c->nsidlen;
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
	w->m = n->metrics != NULL ? metrics_worker(n->metrics, id) : NULL;
	w->ql = n->qlog != NULL ? querylog_ring(n->qlog, id) : NULL;
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
	if ((rc = uv_async_init(&w->loop, &w->reload, worker_reload)) != 0 ||
	    (rc = uv_async_init(&w->loop, &w->evict, worker_evict)) != 0) {
		snprintf(err, errlen, "event loop: %s", uv_strerror(rc));
		return rc;
	}
	w->reload.data = w->evict.data = w;
	w->async_init = true;
	atomic_store(&w->lru, UINT64_MAX);
	w->sv = atomic_load(&n->cur);
	served_hold(w->sv);
	w->udp = calloc(n->nla, sizeof *w->udp);
	w->tcp = calloc(n->nla, sizeof *w->tcp);
	w->evict_req = calloc(n->nw, sizeof *w->evict_req);
	if (w->udp == NULL || w->tcp == NULL || w->evict_req == NULL) {
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
	free(w->evict_req);
	free(w);
}

/* ---- Control loop: signals and expiry ---- */

static void
expire_work(uv_work_t *req)
{
	struct net *n = req->data;
	struct store_wr *wr;
	uint64_t count = 0, trimmed = 0;
	int64_t now = time_now();
	int rc;

	/* On the thread pool: the write lock may wait on another process's writer. */
	if ((rc = store_wr_begin(n->store, &wr)) == 0) {
		rc = store_expire(wr, (uint32_t)now, false, NULL, NULL, &count);
		/* The journal is kept to journal-max and journal-age here too. */
		if (rc == 0)
			rc = xfr_journal_trim(n->expire_sv->xfr, wr, now, &trimmed);
		if (rc == 0 && count + trimmed > 0)
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
	served_release(n->expire_sv);
	n->expire_sv = NULL;
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
	n->expire_sv = atomic_load(&n->cur);
	served_hold(n->expire_sv);
	if ((rc = uv_queue_work(&n->loop, &n->expire_req, expire_work, expire_done)) != 0) {
		log_warnx("expiry: %s", uv_strerror(rc));
		served_release(n->expire_sv);
		n->expire_sv = NULL;
	} else {
		n->expiring = true;
	}
}

/* ---- Control loop: NOTIFY ---- */

static void
notify_send(void *arg, const struct sockaddr *sa, socklen_t salen, const uint8_t *pkt, size_t len)
{
	struct net *n = arg;
	int i = sa->sa_family == AF_INET6 ? 1 : 0, rc;
	uv_buf_t b = uv_buf_init((char *)pkt, (unsigned)len);

	(void)salen;
	/* A full socket buffer loses this try; the retry timer sends it again. */
	if (n->nsock_init[i] && (rc = uv_udp_try_send(&n->nsock[i], &b, 1, sa)) < 0)
		log_debug("notify: send: %s", uv_strerror(rc));
	if (n->metrics != NULL)
		metrics_notify_sent(n->metrics, sa, pkt, len, time_now());
}

static void
notify_timer_cb(uv_timer_t *t)
{
	struct net *n = t->data;
	int rc;

	if ((rc = store_reader_refresh(&n->nrd)) != 0) {
		log_debug("notify: cannot read the store: %s", rb_strerror(rc));
		return;
	}
	notify_tick(atomic_load(&n->cur)->notify, &n->nrd, uv_now(&n->loop), notify_send, n);
	store_reader_release(&n->nrd);
}

static void
nsock_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char ackbuf[4096];	/* the control loop is one thread */

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(ackbuf, sizeof(ackbuf));
}

/* RFC 1996 s4.7: acknowledgements are read here and never answered. */
static void
nsock_recv(uv_udp_t *u, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *from,
    unsigned flags)
{
	struct net *n = u->data;

	(void)flags;
	if (nread <= 0 || from == NULL)
		return;
	/* The metrics count only what notify.c takes for an acknowledgement. */
	if (notify_ack(atomic_load(&n->cur)->notify, from, (const uint8_t *)buf->base,
	    (size_t)nread) && n->metrics != NULL)
		metrics_notify_reply(n->metrics, from, (const uint8_t *)buf->base, (size_t)nread,
		    time_now());
}

/*
 * One UDP socket per family that has notify targets in NT, on an ephemeral
 * port; a reload may add the other family's.
 */
static int
notify_sockets(struct net *n, const struct notify *nt, char *err, size_t errlen)
{
	static const int afs[2] = { AF_INET, AF_INET6 };
	struct sockaddr_storage any;
	int i, rc;

	for (i = 0; i < 2; i++) {
		if (n->nsock_init[i] || !notify_wants(nt, afs[i]))
			continue;
		memset(&any, 0, sizeof(any));
		any.ss_family = (sa_family_t)afs[i];
		uv_udp_init(&n->loop, &n->nsock[i]);
		n->nsock[i].data = n;
		n->nsock_init[i] = true;
		if ((rc = uv_udp_bind(&n->nsock[i], (const struct sockaddr *)&any,
		    afs[i] == AF_INET6 ? UV_UDP_IPV6ONLY : 0)) != 0 ||
		    (rc = uv_udp_recv_start(&n->nsock[i], nsock_alloc, nsock_recv)) != 0) {
			snprintf(err, errlen, "notify socket: %s", uv_strerror(rc));
			return rc;
		}
	}
	return 0;
}

static void
ctl_close(struct net *n)
{
	int i;

	if (!n->ctl_init || n->ctl_closed)
		return;
	n->ctl_closed = true;
	uv_close((uv_handle_t *)&n->sigterm, NULL);
	uv_close((uv_handle_t *)&n->sigint, NULL);
	uv_close((uv_handle_t *)&n->sighup, NULL);
	uv_close((uv_handle_t *)&n->reap_timer, NULL);
	uv_close((uv_handle_t *)&n->expire_timer, NULL);
	uv_close((uv_handle_t *)&n->notify_timer, NULL);
	for (i = 0; i < 2; i++)
		if (n->nsock_init[i])
			uv_close((uv_handle_t *)&n->nsock[i], NULL);
}

static void
on_signal(uv_signal_t *h, int signum)
{
	struct net *n = h->data;
	unsigned i;

	log_info("signal %d: shutting down", signum);
	sdnotify("STOPPING=1");
	n->stopping = true;
	for (i = 0; i < n->nw; i++)
		if (n->w[i]->thread_started && n->w[i]->rc == 0)
			uv_async_send(&n->w[i]->stop);
	/* The loop ends when these are closed and a running expiry is done. */
	ctl_close(n);
	/*
	 * Closing the handles gave the signals their default action back: a
	 * second SIGTERM (or a SIGHUP) must not kill the answers still being
	 * written.  A second SIGINT still does, for whoever wants out now.
	 */
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

/* ---- Control loop: SIGHUP ---- */

/* The zones of ZT are the ones the metrics report from now on. */
static int
metrics_zones(struct net *n, const struct zonetab *zt)
{
	const char **names;
	uint16_t *ids;
	size_t i;
	int rc = -ENOMEM;

	if (n->metrics == NULL)
		return 0;
	names = calloc(zt->nzones + 1, sizeof(*names));
	ids = calloc(zt->nzones + 1, sizeof(*ids));
	if (names != NULL && ids != NULL) {
		for (i = 0; i < zt->nzones; i++) {
			names[i] = zt->zones[i].name;
			ids[i] = zt->zones[i].id;
		}
		rc = metrics_set_zones(n->metrics, names, ids, zt->nzones);
	}
	free(names);
	free(ids);
	return rc;
}

/* Free the retired configurations no worker or transfer holds any more. */
static void
reap_tick(uv_timer_t *t)
{
	struct net *n = t->data;
	struct served **pp = &n->retired, *sv;

	while ((sv = *pp) != NULL) {
		if (atomic_load(&sv->refs) == 0) {
			*pp = sv->next;
			served_free(sv);
		} else {
			pp = &sv->next;
		}
	}
	if (n->retired == NULL)
		uv_timer_stop(t);
}

static bool
has_zone(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, name) == 0)
			return true;
	return false;
}

static bool
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Say what a reload from OLD to NEW changed, and what it cannot change. */
static void
reload_report(const struct conf *old, const struct conf *new)
{
	size_t i, added = 0, removed = 0;
	bool listen = old->nlisten != new->nlisten;

	for (i = 0; i < new->nzones; i++)
		added += !has_zone(old, new->zones[i].name);
	for (i = 0; i < old->nzones; i++)
		removed += !has_zone(new, old->zones[i].name);
	log_info("reloaded %s: %zu zone%s added, %zu removed, %zu kept", new->path, added,
	    added == 1 ? "" : "s", removed, new->nzones - added);
	for (i = 0; !listen && i < new->nlisten; i++)
		listen = strcmp(old->listen[i].text, new->listen[i].text) != 0;
	if (listen)
		log_warnx("reload: listen changed: it takes effect at the next start");
	if (!same_str(old->db, new->db))
		log_warnx("reload: db changed: it takes effect at the next start");
	if (old->threads != new->threads || old->mapsize != new->mapsize)
		log_warnx("reload: threads or mapsize changed: it takes effect at the next start");
	if (!same_str(old->user, new->user) || !same_str(old->chroot, new->chroot))
		log_warnx("reload: user or chroot changed: it takes effect at the next start");
	if (old->metrics_len != new->metrics_len ||
	    memcmp(&old->metrics, &new->metrics, old->metrics_len) != 0 ||
	    !same_str(old->query_log, new->query_log) || old->syslog != new->syslog)
		log_warnx("reload: metrics, query-log or syslog changed: it takes effect at the "
		    "next start");
}

/* On the thread pool: reading apex files and creating zones may wait on the store's writer. */
static void
reload_work(uv_work_t *req)
{
	struct net *n = req->data;
	struct conf *c;

	n->next = NULL;
	if ((c = n->reload_fn(n->reload_arg, n->reload_err, sizeof n->reload_err)) == NULL)
		return;
	if ((n->next = served_new(n, c, c, NULL, n->reload_err, sizeof n->reload_err)) == NULL)
		conf_free(c);
}

static void reload_start(struct net *n);

/*
 * Make the new configuration current and wake every worker to switch to
 * it between batches; the old one is freed when the last holder lets go.
 */
static void
reload_done(uv_work_t *req, int status)
{
	struct net *n = req->data;
	struct served *sv = n->next, *old;
	char err[256];
	unsigned i;

	n->reloading = false;
	n->next = NULL;
	if (status != 0 || n->stopping) {
		served_free(sv);
		return;
	}
	if (sv == NULL) {
		log_warnx("reload: %s; still serving the previous configuration", n->reload_err);
		if (!n->reload_again)
			sdnotify("READY=1\nSTATUS=reload failed, serving the previous configuration");
	} else {
		old = atomic_load(&n->cur);
		if (notify_sockets(n, sv->notify, err, sizeof err) != 0)
			log_warnx("reload: %s", err);
		reload_report(old->c, sv->c);
		atomic_store(&n->cur, sv);
		for (i = 0; i < n->nw; i++)
			if (n->w[i]->thread_started && n->w[i]->rc == 0)
				uv_async_send(&n->w[i]->reload);
		old->next = n->retired;
		n->retired = old;
		served_release(old);	/* the control loop's */
		uv_timer_start(&n->reap_timer, reap_tick, NET_REAP_MS, NET_REAP_MS);
		if (metrics_zones(n, sv->t) != 0)
			log_warnx("reload: metrics: out of memory; zones as before");
		if (!n->reload_again)
			sdnotify("READY=1\nSTATUS=serving");
	}
	if (n->reload_again) {
		n->reload_again = false;
		reload_start(n);
	}
}

static void
reload_start(struct net *n)
{
	int rc;

	n->reload_req.data = n;
	if ((rc = uv_queue_work(&n->loop, &n->reload_req, reload_work, reload_done)) != 0)
		log_warnx("reload: %s", uv_strerror(rc));
	else
		n->reloading = true;
}

static void
on_hup(uv_signal_t *h, int signum)
{
	struct net *n = h->data;
	char state[64];

	if (n->stopping)
		return;
	/* logrotate moved the file: the next lines go to a new one. */
	if (n->qlog != NULL)
		querylog_reopen(n->qlog);
	if (n->reload_fn == NULL)
		return;
	log_info("signal %d: rereading the configuration", signum);
	/* sd_notify(3): the time the reload began, on CLOCK_MONOTONIC as uv_hrtime is. */
	snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)(uv_hrtime() / 1000));
	sdnotify(state);
	/* Signals during a reload are one more reload afterwards. */
	if (n->reloading)
		n->reload_again = true;
	else
		reload_start(n);
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
	uv_signal_init(&n->loop, &n->sighup);
	uv_timer_init(&n->loop, &n->expire_timer);
	uv_timer_init(&n->loop, &n->notify_timer);
	uv_timer_init(&n->loop, &n->reap_timer);
	n->ctl_init = true;
	n->sigterm.data = n->sigint.data = n->sighup.data = n->expire_timer.data = n;
	n->notify_timer.data = n->reap_timer.data = n;
	/* Caught from now on, so a signal right after the ready line is a clean stop. */
	if ((rc = uv_signal_start(&n->sigterm, on_signal, SIGTERM)) != 0 ||
	    (rc = uv_signal_start(&n->sigint, on_signal, SIGINT)) != 0 ||
	    (rc = uv_signal_start(&n->sighup, on_hup, SIGHUP)) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "control loop: %s", uv_strerror(rc));
	return rc;
}

/* ---- Metrics endpoint and query log ---- */

/*
 * With C's metrics address, counters for every worker and the endpoint;
 * with its query-log, the log.  Both before any worker exists, so a
 * worker's pointers are set once and never change.
 */
static int
observers_open(struct net *n, const struct conf *c, const struct zonetab *zt, char *err,
    size_t errlen)
{
	struct sockaddr_storage bound;
	char where[ADDR_STRLEN + 8];
	uint16_t port;
	int rc;

	if (c->metrics.ss_family != 0) {
		if ((n->metrics = metrics_new(n->store, n->o.threads)) == NULL ||
		    metrics_zones(n, zt) != 0) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		metrics_watch_tcp(n->metrics, &n->nconns);
		metrics_watch_presence(n->metrics, n->o.presence);
		if ((rc = metrics_listen(n->metrics, (const struct sockaddr *)&c->metrics, err,
		    errlen)) != 0)
			return rc;
		/* The port actually bound, which port 0 leaves to the system. */
		bound = c->metrics;
		port = htons((uint16_t)metrics_port(n->metrics));
		if (bound.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&bound)->sin6_port = port;
		else
			((struct sockaddr_in *)&bound)->sin_port = port;
		sockaddr_text(&bound, where, sizeof(where));
		log_info("metrics: serving http://%s/metrics", where);
	}
	if (c->query_log != NULL &&
	    (n->qlog = querylog_open(c->query_log, n->o.threads, err, errlen)) == NULL)
		return -EINVAL;
	return 0;
}

int
net_querylog_path(struct net *n, const char *path)
{
	return n->qlog != NULL ? querylog_set_path(n->qlog, path) : 0;
}

/* ---- API ---- */

int
net_open(struct net **out, const struct conf *c, struct store *s, const struct zonetab *zt,
    const struct net_opts *o, char *err, size_t errlen)
{
	struct net *n;
	struct served *sv;
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
	n->o = *o;
	if (n->o.threads == 0)
		n->o.threads = uv_available_parallelism();
	if (n->o.expire_every_ms == 0)
		n->o.expire_every_ms = NET_EXPIRE_EVERY_MS;
	if (n->o.xfr_timeout_ms == 0)
		n->o.xfr_timeout_ms = XFR_TIMEOUT_MS;

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

	if ((n->rrl = rrl_new(0)) == NULL)
		goto nomem;
	if ((sv = served_new(n, c, NULL, zt, err, errlen)) == NULL) {
		rc = -EINVAL;
		goto fail;
	}
	atomic_store(&n->cur, sv);
	if ((rc = observers_open(n, c, zt, err, errlen)) != 0)
		goto fail;
	if ((rc = ctl_init(n, err, errlen)) != 0 ||
	    (rc = notify_sockets(n, sv->notify, err, errlen)) != 0)
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
	/* The control loop's reader, on the thread that runs it. */
	if (rc == 0 && (rc = store_reader_init(n->store, &n->nrd)) != 0)
		snprintf(err, errlen, "notify: store reader: %s", rb_strerror(rc));
	if (rc == 0) {
		n->nrd_init = true;
		store_reader_release(&n->nrd);
		uv_timer_start(&n->expire_timer, expire_tick, NET_EXPIRE_FIRST_MS, n->o.expire_every_ms);
		uv_timer_start(&n->notify_timer, notify_timer_cb, NOTIFY_TICK_MS, NOTIFY_TICK_MS);
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

void
net_on_reload(struct net *n, net_reload_fn fn, void *arg)
{
	n->reload_fn = fn;
	n->reload_arg = arg;
}

int
net_run(struct net *n)
{
	uint64_t dropped = 0, slipped = 0, acl = 0;
	unsigned i;

	uv_run(&n->loop, UV_RUN_DEFAULT);
	for (i = 0; i < n->nw; i++) {
		if (n->w[i]->thread_started) {
			uv_thread_join(&n->w[i]->thread);
			n->w[i]->thread_started = false;
		}
		dropped += n->w[i]->q.rrl_dropped;
		slipped += n->w[i]->q.rrl_slipped;
		acl += n->w[i]->q.acl_dropped;
	}
	if (dropped + slipped > 0)
		log_info("rrl: %llu answers dropped, %llu sent truncated",
		    (unsigned long long)dropped, (unsigned long long)slipped);
	if (acl > 0)
		log_info("acl: %llu queries dropped", (unsigned long long)acl);
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
	/* No worker is left to queue a line or count: the last lines go out. */
	querylog_close(n->qlog);
	metrics_free(n->metrics);
	if (n->loop_init) {
		ctl_close(n);
		uv_run(&n->loop, UV_RUN_DEFAULT);
		uv_loop_close(&n->loop);
	}
	if (n->sem_init)
		uv_sem_destroy(&n->started);
	/* Producers of transfers cut off at shutdown end before the store closes. */
	while (n->retired != NULL) {
		struct served *sv = n->retired;

		n->retired = sv->next;
		served_free(sv);
	}
	served_free(atomic_load(&n->cur));
	rrl_free(n->rrl);
	if (n->nrd_init)
		store_reader_fini(&n->nrd);
	free(n->la);
	free(n);
}
