/* Timed work on the control loop: expiry commits with journal trimming, and NOTIFY rounds. */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "rb.h"
#include "timeutil.h"
#include "net_impl.h"
#include "zonetab.h"

/* ---- Expiry commits ---- */

static void
expire_work(uv_work_t *req)
{
	struct net *n = req->data;
	const struct served *sv = n->expire_sv;
	struct store_wr *wr;
	uint64_t count = 0, trimmed = 0, folded = 0;
	size_t i;
	int64_t now = time_now();
	int rc;

	/*
	 * rbldbd's own expiry commits are exempt from max-change (SPEC): the
	 * zones' limits are set so that a commit over one is logged
	 * (expire_done), and forced through.  Only this work touches them,
	 * one run at a time.
	 */
	for (i = 0; i < sv->t->nzones && i < sv->c->nzones; i++)
		(void)store_set_max_change(n->store, sv->t->zones[i].id,
		    sv->c->zones[i].max_change, sv->c->zones[i].max_change_pct);
	store_set_force(n->store, true);
	n->expire_over = false;
	/* On the thread pool: the write lock may wait on another process's writer. */
	if ((rc = store_wr_begin(n->store, &wr)) == 0) {
		rc = store_expire(wr, (uint32_t)now, false, NULL, NULL, &count);
		/* The journal is kept to journal-max and journal-age here too. */
		if (rc == 0)
			rc = xfr_journal_trim(n->expire_sv->xfr, wr, now, &trimmed);
		/* Keyed access: the workers' key counters into the store, for key show. */
		if (rc == 0 && n->keyseen != NULL)
			rc = keyuse_fold(&n->keyset, (const uint64_t (*)[3])n->keyseen, n->keynext,
			    keyuse_day((uint32_t)now, sv->c->server->key_day_start), wr, &folded);
		if (rc == 0 && count + trimmed + folded > 0) {
			rc = store_wr_commit(wr);
			n->expire_over = rc == 0 && store_max_change_over(n->store, &n->over);
			if (rc == 0 && folded > 0)
				memcpy(n->keyseen, n->keynext,
				    (size_t)n->keyset.n * KEYUSE_SLOTS * sizeof *n->keyseen);
		} else {
			store_wr_abort(wr);
		}
	}
	n->expire_rc = rc;
	n->expire_n = rc == 0 ? count : 0;
}

/* The configured name of store zone ID, for the log. */
static const char *
zone_name_of(const struct net *n, uint16_t id)
{
	const struct served *sv = atomic_load(&n->cur);
	size_t i;

	for (i = 0; i < sv->t->nzones; i++)
		if (sv->t->zones[i].id == id)
			return sv->t->zones[i].name;
	return "a zone no longer configured";
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
	if (n->expire_rc == 0 && n->expire_over)
		log_warnx("expiry removed %u listings from %s, over max-change %llu: "
		    "rbldbd's own expiry is exempt, committed", n->over.count,
		    zone_name_of(n, n->over.zone), (unsigned long long)n->over.limit);
}

void
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

void
keys_fold_final(struct net *n)
{
	const struct served *sv;
	struct store_wr *wr;
	uint64_t folded = 0;
	unsigned i;
	int rc;

	if (n->keyseen == NULL || n->keynext == NULL || n->keyset.t == NULL)
		return;
	for (i = 0; i < n->keyset.n; i++)
		if (n->keyset.t[i] == NULL)
			return;
	if ((rc = store_wr_begin(n->store, &wr)) != 0) {
		log_warnx("key usage: %s", rb_strerror(rc));
		return;
	}
	sv = atomic_load(&n->cur);
	rc = keyuse_fold(&n->keyset, (const uint64_t (*)[3])n->keyseen, n->keynext,
	    keyuse_day((uint32_t)time_now(), sv != NULL ? sv->c->server->key_day_start : 0), wr,
	    &folded);
	if (rc == 0 && folded > 0)
		rc = store_wr_commit(wr);
	else
		store_wr_abort(wr);
	if (rc != 0)
		log_warnx("key usage: %s", rb_strerror(rc));
}

/* ---- NOTIFY ---- */

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

void
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
int
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
