/* The server: configurations, worker threads and the API of net.h; sockets are udp.c's and tcp.c's. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "acl.h"
#include "door.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "querylog.h"
#include "rb.h"
#include "rrl.h"
#include "net_impl.h"

/* ---- Configurations: built, held by workers and transfers, swapped, freed ---- */

void
served_hold(struct served *sv)
{
	atomic_fetch_add(&sv->refs, 1);
}

/*
 * Let go of SV.  A retired configuration nobody holds is freed by the
 * control loop's reap timer, so a worker never waits on xfr_free.
 */
void
served_release(struct served *sv)
{
	if (sv != NULL)
		atomic_fetch_sub(&sv->refs, 1);
}

void
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
struct served *
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
	sv->tcp_max_conns = pick(n->o.tcp_max_conns, c->server->tcp_max_conns, NET_TCP_MAX_CONNS);
	sv->tcp_max_client = c->server->tcp_max_conns_client;
	sv->tcp_idle_ms = pick(n->o.tcp_idle_ms, c->server->tcp_idle * 1000u, NET_TCP_IDLE_MS);
	sv->tcp_message_ms = pick(0, c->server->tcp_message * 1000u, NET_TCP_MESSAGE_MS);
	sv->tcp_max_queries = c->server->tcp_max_queries;
	sv->udp_batch_wait_ns = c->server->udp_batch_wait * 1000u;
	atomic_init(&sv->refs, 1);
	sv->conf = owned;
	return sv;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	served_free(sv);
	return NULL;
}

void
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
int
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
	const uint8_t *qname = qi->qnamelen > 0 ? pkt + 12 : NULL;
	uint8_t masked[256];

	/* The header says what went out, whichever part of the door made it. */
	if (r == QUERY_ANSWER && olen >= 4)
		rcode = (out[3] & 0x0fu) | (qi->rcode & 0xff0u);
	if (w->m != NULL)
		metrics_count(w->m, tr, qi->qtype, rcode, qi->zone, (enum metrics_lookup)qi->lookup,
		    (enum metrics_action)qi->action);
	if (w->ql != NULL && qname != NULL && qi->keylen > 0 && qi->qnamelen <= sizeof(masked) &&
	    (size_t)qi->keyoff + qi->keylen <= qi->qnamelen) {
		/* SPEC: a key is never logged whole; its first 4 octets tell it. */
		memcpy(masked, qname, qi->qnamelen);
		memset(masked + qi->keyoff + 4, '*', (size_t)qi->keylen - 4);
		qname = masked;
	}
	if (w->ql != NULL &&
	    !querylog_put_reply(w->ql, w->q.now, peer, tr, qname, qi->qnamelen, qi->qtype,
	    r == QUERY_DROP ? QUERYLOG_DROP : rcode, r == QUERY_ANSWER ? out : NULL, olen) &&
	    w->m != NULL)
		metrics_add(&w->m->querylog_dropped, 1);
}

/* The metrics take query.h's codes as they are. */
_Static_assert((int)MA_MALFORMED == (int)QUERY_ACT_MALFORMED &&
    (int)MA_RRL_TRUNCATE == (int)QUERY_ACT_RRL_TRUNCATE &&
    (int)MA_ACL_ANSWER == (int)QUERY_ACT_ACL_ANSWER && (int)ML_MISS == (int)QUERY_LOOKUP_MISS,
    "metrics.h and query.h disagree");

/* Answer one message through the front door, and count what became of it. */
enum query_result
worker_answer(struct worker *w, const struct sockaddr *peer, const uint8_t *pkt, size_t len,
    enum query_transport tr, uint8_t *out, size_t cap, size_t *olen, struct xfr_job **job)
{
	enum query_result r;

	r = door_answer(&w->q, w->sv->xfr, w->sv->kr, peer, pkt, len, tr, out, cap, olen, job);
	account(w, peer, pkt, tr, r, out, *olen);
	if (w->m != NULL && r == QUERY_ANSWER)	/* rbldnsd's -s statistics count these */
		metrics_count_bytes(w->m, w->q.info.zone, len, *olen);
	return r;
}

/* N messages of TR took from T0 (uv_hrtime) to now. */
void
worker_observe(struct worker *w, enum query_transport tr, uint64_t t0, uint64_t n)
{
	if (w->m != NULL)
		metrics_observe(w->m, tr, uv_hrtime() - t0, n);
}

/* ---- Store snapshot per batch ---- */

bool
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

/* ---- Workers ---- */

/*
 * Stop accepting and reading; connections with an answer on the way are
 * closed when it is written (conn_written), the rest now.  The loop ends
 * when the last handle is closed.
 */
static void
worker_shutdown(struct worker *w)
{
	w->stopping = true;
	if (w->stop_init && !uv_is_closing((uv_handle_t *)&w->stop))
		uv_close((uv_handle_t *)&w->stop, NULL);
	if (w->async_init && !uv_is_closing((uv_handle_t *)&w->reload)) {
		uv_close((uv_handle_t *)&w->reload, NULL);
		uv_close((uv_handle_t *)&w->evict, NULL);
	}
	udp_shutdown(w);
	tcp_shutdown(w);
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
	w->q.nsid = sv->c->server->nsid;
	w->q.nsidlen = (uint16_t)sv->c->server->nsidlen;
	w->q.key_day_start = sv->c->server->key_day_start;
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
	w->q.keyuse = w->n->keyset.t[w->id];
	w->q.keyset = &w->n->keyset;
	w->q.nsid = w->sv->c->server->nsid;
	w->q.nsidlen = (uint16_t)w->sv->c->server->nsidlen;
	w->q.key_day_start = w->sv->c->server->key_day_start;
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

/* N's listen addresses from C's [server] listen, each probed for binding. */
static int
listen_addrs_init(struct net *n, const struct conf *c, char *err, size_t errlen)
{
	size_t j;
	int rc;

	for (j = 0; j < n->nla; j++) {
		struct listen_addr *la = &n->la[j];
		la->sa = c->server->listen[j].sa;
		la->salen = c->server->listen[j].salen;
		if (la->sa.ss_family == AF_INET6)
			la->wildcard = IN6_IS_ADDR_UNSPECIFIED(
			    &((struct sockaddr_in6 *)&la->sa)->sin6_addr);
		else
			la->wildcard = ((struct sockaddr_in *)&la->sa)->sin_addr.s_addr ==
			    htonl(INADDR_ANY);
		sockaddr_text(&la->sa, la->text, sizeof la->text);
		if ((rc = probe_addr(la, err, errlen)) != 0)
			return rc;
	}
	return 0;
}

/* ---- API ---- */

int
net_open(struct net **out, const struct conf *c, struct store *s, const struct zonetab *zt,
    const struct net_opts *o, char *err, size_t errlen)
{
	struct net *n;
	struct served *sv;
	unsigned i;
	int rc;

	*out = NULL;
	if (c->server->nlisten == 0) {
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

	if ((n->la = calloc(c->server->nlisten, sizeof *n->la)) == NULL)
		goto nomem;
	n->nla = c->server->nlisten;
	if ((rc = listen_addrs_init(n, c, err, errlen)) != 0)
		goto fail;

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
	if ((n->keyset.t = calloc(n->o.threads, sizeof *n->keyset.t)) == NULL)
		goto nomem;
	n->keyset.n = n->o.threads;
	n->keyseen = calloc((size_t)n->o.threads * KEYUSE_SLOTS, sizeof *n->keyseen);
	n->keynext = calloc((size_t)n->o.threads * KEYUSE_SLOTS, sizeof *n->keynext);
	if (n->keyseen == NULL || n->keynext == NULL)
		goto nomem;
	for (i = 0; i < n->nw; i++) {
		/* Big (batch buffers inline); allocated once per worker. */
		if ((n->w[i] = calloc(1, sizeof *n->w[i])) == NULL ||
		    (n->keyset.t[i] = keyuse_new()) == NULL)
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
		/* Read-only, expired listings are hidden by the answers alone. */
		if (!n->o.read_only)
			uv_timer_start(&n->expire_timer, expire_tick, NET_EXPIRE_FIRST_MS,
			    n->o.expire_every_ms);
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
	/* No worker counts any more: what the last expiry run did not fold goes in now. */
	if (!n->o.read_only)
		keys_fold_final(n);
	/* No worker is left to queue a line or count: the last lines go out. */
	querylog_close(n->qlog);
	metrics_free(n->metrics);
	/* After the endpoint, which reads them, has stopped. */
	for (i = 0; i < n->keyset.n; i++)
		keyuse_free(n->keyset.t[i]);
	free(n->keyset.t);
	free(n->keyseen);
	free(n->keynext);
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
