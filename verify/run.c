/*
 * The tester's queue runner (RFC 6471 s3.6's limits live here): a due
 * PENDING job is leased (TESTING, committed before any connection, so the
 * drop box can confirm it at any time after), tested, and its verdict and
 * whole transcript written.  At most `concurrency` tests at once, one per
 * address, new connections evenly spaced at `rate` per `rate_period` (a
 * token bucket one token deep: no burst), the one reconnect after a 421
 * greeting counted too; never-test, never-list and reserved targets are
 * refused before any connection.  The loop sleeps on one timer: until the
 * next connection may begin, until a test ends, or `poll` seconds when
 * nothing is due.  A sent message that
 * has not arrived within `window` makes the job inconclusive: a server
 * that accepts and discards is never listed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "forms.h"
#include "rb.h"
#include "run.h"
#include "smtp.h"
#include "timeutil.h"
#include "verify_apply.h"

#define MAX_FLIGHT 1000
/* A TESTING job without a sent message this old lost its tester: it is queued again. */
#define STALE_LEASE 3600

struct runner {
	const struct conf *c;
	struct store *s;
	const uint16_t *zone_ids;
	const struct run_opts *o;
	uv_loop_t *loop;
	uv_timer_t tick;
	struct addr flight[MAX_FLIGHT];	/* addresses under test now */
	unsigned nflight;
	bool job_started;	/* --job: the one job was taken */
	bool stopped;
	uint64_t next_start;	/* loop time (ms) from which a new connection may begin */
	uint64_t spacing;	/* ms between two new connections: rate_period / rate */
	int64_t last_sweep;
	int failed;
};

static void on_tick(uv_timer_t *h);

struct test {
	struct runner *r;
	uint64_t job;
	struct addr addr;
};

static int64_t
clock_now(const struct runner *r)
{
	return r->o->at != 0 ? r->o->at : time_now();
}

static const struct conf_zone *
zone_of(const struct runner *r, uint16_t id)
{
	size_t i;

	for (i = 0; i < r->c->nzones; i++)
		if (r->zone_ids[i] == id)
			return &r->c->zones[i];
	return NULL;
}

static bool
in_flight(const struct runner *r, const struct addr *a)
{
	unsigned i;

	for (i = 0; i < r->nflight; i++)
		if (r->flight[i].fam == a->fam && memcmp(r->flight[i].a, a->a, 16) == 0)
			return true;
	return false;
}

/* Wake the loop after MS milliseconds (the one timer; a later call replaces it). */
static void
schedule(struct runner *r, uint64_t ms)
{
	if (!r->stopped)
		uv_timer_start(&r->tick, on_tick, ms, 0);
}

/*
 * The rate of new connections: 0 when one may begin now (it is counted),
 * else the milliseconds to wait.  The loop's time is brought up to date
 * first, so the spacing holds between the connections themselves and not
 * only between the ticks that led to them.
 */
static uint64_t
rate_take(void *arg)
{
	struct runner *r = arg;
	uint64_t now;

	uv_update_time(r->loop);
	now = uv_now(r->loop);
	if (now < r->next_start)
		return r->next_start - now;
	r->next_start = now + r->spacing;
	return 0;
}

static void
print_verdict(const struct runner *r, const struct verify_job *j)
{
	const struct conf_zone *z = zone_of(r, j->zone);
	char a[ADDR_STRLEN];
	json_t *o;
	char *line;

	addr_format(&j->addr, a, sizeof(a));
	if (!r->o->json) {
		printf("%s %s in %s (job %llu)%s%s\n", a, verify_state_name(j->state),
		    z != NULL ? z->name : "?", (unsigned long long)j->id,
		    j->note != NULL ? ": " : "", j->note != NULL ? j->note : "");
		fflush(stdout);
		return;
	}
	o = json_pack("{s:s, s:s, s:s, s:I, s:s?, s:i}", "address", a, "state",
	    verify_state_name(j->state), "zone", z != NULL ? z->name : "?", "job",
	    (json_int_t)j->id, "note", j->note, "form", (int)j->form);
	if (o != NULL && (line = json_dumps(o, JSON_COMPACT)) != NULL) {
		printf("%s\n", line);
		free(line);
	}
	json_decref(o);
	fflush(stdout);
}

/* Write job J through FN in a transaction of its own; the job is read again inside it. */
static int
finish_job(struct runner *r, uint64_t id, enum smtp_outcome out, unsigned form,
    const char *note, const struct transcript *tr)
{
	const struct conf_zone *z;
	struct store_wr *w;
	struct verify_job j;
	int64_t now = clock_now(r);
	bool delisted = false;
	char buf[400];
	int rc;

	if ((rc = store_wr_begin(r->s, &w)) != 0)
		return rc;
	store_wr_set_now(w, now);
	if ((rc = store_verify_get(store_wr_reader(w), id, &j)) != 0 ||
	    (z = zone_of(r, j.zone)) == NULL) {
		store_wr_abort(w);
		return rc != 0 ? rc : RB_ENOTFOUND;
	}
	j.transcript = tr->buf;
	j.transcript_len = tr->len;
	if (j.state == VERIFY_CONFIRMED) {
		/* The drop box was quicker than our last write: the confirmation stands. */
		rc = store_verify_put(w, &j);
	} else if (out == SMTP_SENT) {
		j.form = (uint8_t)form;
		j.sent = now;
		j.note = note;
		rc = store_verify_put(w, &j);
	} else if (out == SMTP_CLOSED) {
		rc = verify_close(w, z, &j, note, now, &delisted);
		if (delisted) {
			snprintf(buf, sizeof(buf), "%s; delisted", note);
			j.note = buf;
		}
	} else {
		j.state = VERIFY_INCONCLUSIVE;
		j.finished = now;
		j.note = note;
		rc = store_verify_put(w, &j);
	}
	if (rc == 0)
		rc = store_wr_commit(w);
	else
		store_wr_abort(w);
	if (rc == 0)
		print_verdict(r, &j);
	return rc;
}

static void
test_done(struct smtp_session *ss, void *arg, enum smtp_outcome out, unsigned form,
    const char *note, struct transcript *tr)
{
	struct test *t = arg;
	struct runner *r = t->r;
	unsigned i;
	int rc;

	(void)ss;
	if ((rc = finish_job(r, t->job, out, form, note, tr)) != 0) {
		fprintf(stderr, "rbldb-verify: job %llu: store: %s\n",
		    (unsigned long long)t->job, rb_strerror(rc));
		r->failed = 1;
	}
	for (i = 0; i < r->nflight; i++)
		if (memcmp(&r->flight[i], &t->addr, sizeof(t->addr)) == 0) {
			r->flight[i] = r->flight[--r->nflight];
			break;
		}
	free(t);
	schedule(r, 0);	/* a slot is free, or --once / --job may be done */
}

/* HOST:PORT or [HOST]:PORT, a numeric address. */
static int
parse_hostport(const char *s, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	size_t n;
	int port;

	if (colon == NULL || (n = (size_t)(colon - s)) == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	if ((port = atoi(colon + 1)) <= 0 || port > 65535)
		return -1;
	if (host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		return uv_ip6_addr(host + 1, port, (struct sockaddr_in6 *)ss);
	}
	return uv_ip4_addr(host, port, (struct sockaddr_in *)ss);
}

static void
peer_of(const struct addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->fam == ADDR_V4) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		memcpy(&in->sin_addr, a->a, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		memcpy(&in6->sin6_addr, a->a, 16);
	}
}

/* Record a job that cannot be tested (refused target, bad --connect) as inconclusive. */
static int
refuse_job(struct runner *r, struct store_wr *w, struct verify_job *j, const char *why)
{
	int rc;

	j->state = VERIFY_INCONCLUSIVE;
	j->finished = clock_now(r);
	j->note = why;
	if ((rc = store_verify_put(w, j)) != 0 || (rc = store_wr_commit(w)) != 0)
		return rc;
	print_verdict(r, j);
	return 0;
}

/*
 * Lease job ID (still PENDING?) and start its test.  Returns 0 (started,
 * refused or gone) or a store error.
 */
static int
start_job(struct runner *r, uint64_t id)
{
	const struct conf_verify *v = r->c->verify;
	const struct conf_zone *z;
	struct smtp_params p;
	struct store_wr *w;
	struct verify_job j;
	struct test *t;
	const char *connect;
	char why[400];
	int64_t now = clock_now(r);
	int rc;

	if ((rc = store_wr_begin(r->s, &w)) != 0)
		return rc;
	store_wr_set_now(w, now);
	if ((rc = store_verify_get(store_wr_reader(w), id, &j)) != 0 ||
	    j.state != VERIFY_PENDING || (z = zone_of(r, j.zone)) == NULL) {
		store_wr_abort(w);
		if (rc == 0 && r->o->job != 0) {
			print_verdict(r, &j);
			return 0;
		}
		return rc == RB_ENOTFOUND ? 0 : rc;
	}
	connect = j.connect != NULL ? j.connect : r->o->connect;
	memset(&p, 0, sizeof(p));
	if (verify_check_target(v, z, &j.addr, connect != NULL, why, sizeof(why)) != 0)
		return refuse_job(r, w, &j, why);
	if (connect != NULL && parse_hostport(connect, &p.peer) != 0) {
		snprintf(why, sizeof(why), "--connect %s is not a numeric HOST:PORT", connect);
		return refuse_job(r, w, &j, why);
	}
	if (connect == NULL)
		peer_of(&j.addr, v->port, &p.peer);
	j.state = VERIFY_TESTING;
	j.started = j.cookie_time = now;
	j.connect = connect;
	j.note = "testing";
	if ((rc = store_verify_put(w, &j)) != 0 || (rc = store_wr_commit(w)) != 0)
		return rc;
	p.target = j.addr;
	p.helo = v->helo;
	p.from = v->from;
	p.dropbox = v->dropbox;
	p.secret = v->secret;
	p.url = v->url;
	p.zone = z->name;
	p.job = j.id;
	p.cookie_time = j.cookie_time;
	p.timeout = v->timeout;
	p.data_timeout = v->data_timeout;
	p.first_form = 1;
	p.last_form = FORM_COUNT;
	p.gate = rate_take;
	p.gate_arg = r;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->r = r;
	t->job = j.id;
	t->addr = j.addr;
	r->flight[r->nflight++] = j.addr;
	(void)rate_take(r);	/* on_tick waited for it: the connection begins now */
	if ((rc = smtp_start(r->loop, &p, test_done, t)) != 0) {
		r->nflight--;
		free(t);
		return rc;
	}
	return 0;
}

struct sweep {
	const struct runner *r;
	int64_t now;
	uint64_t ids[256];
	unsigned n;
};

static int
sweep_cb(void *arg, const struct verify_job *j)
{
	struct sweep *sw = arg;
	int64_t window = (int64_t)sw->r->c->verify->window;

	if ((j->sent != 0 && j->sent + window <= sw->now) ||
	    (j->sent == 0 && j->started + STALE_LEASE <= sw->now && !in_flight(sw->r, &j->addr)))
		sw->ids[sw->n++] = j->id;
	return sw->n == sizeof(sw->ids) / sizeof(*sw->ids);
}

/*
 * Jobs whose message never arrived within the window are inconclusive
 * (accept-then-discard is not an open relay we can prove); leases of a
 * tester that died go back to the queue.
 */
static int
sweep(struct runner *r)
{
	struct sweep sw = { r, clock_now(r), { 0 }, 0 };
	struct store_reader rd;
	struct store_wr *w;
	struct verify_job j;
	char note[300];
	unsigned i;
	int rc;

	if ((rc = store_reader_init(r->s, &rd)) != 0)
		return rc;
	if ((rc = store_reader_refresh(&rd)) == 0)
		rc = store_verify_foreach_state(&rd, VERIFY_TESTING, sweep_cb, &sw);
	store_reader_fini(&rd);
	for (i = 0; rc >= 0 && i < sw.n; i++) {
		if ((rc = store_wr_begin(r->s, &w)) != 0)
			break;
		store_wr_set_now(w, sw.now);
		if ((rc = store_verify_get(store_wr_reader(w), sw.ids[i], &j)) != 0 ||
		    j.state != VERIFY_TESTING) {
			store_wr_abort(w);
			continue;
		}
		if (j.sent != 0) {
			snprintf(note, sizeof(note), "form %u was accepted but its message did not "
			    "arrive at the drop box within the window: not shown to relay, not "
			    "listed", (unsigned)j.form);
			j.state = VERIFY_INCONCLUSIVE;
			j.finished = sw.now;
		} else {
			snprintf(note, sizeof(note), "the tester stopped during the test: queued "
			    "again");
			j.state = VERIFY_PENDING;
			j.due = sw.now;
		}
		j.note = note;
		if ((rc = store_verify_put(w, &j)) != 0 || (rc = store_wr_commit(w)) != 0)
			break;
		if (j.state != VERIFY_PENDING)
			print_verdict(r, &j);
	}
	return rc < 0 ? rc : 0;
}

static bool
skip_flying(void *arg, const struct verify_job *j)
{
	return in_flight(arg, &j->addr);
}

static void
stop(struct runner *r, int rc)
{
	if (rc != 0) {
		fprintf(stderr, "rbldb-verify: store: %s\n", rb_strerror(rc));
		r->failed = 1;
	}
	if (r->stopped)
		return;
	r->stopped = true;
	uv_timer_stop(&r->tick);
	uv_close((uv_handle_t *)&r->tick, NULL);
}

/* The queue's next due job not under test now: 0 (in *J), RB_ENOTFOUND or an error. */
static int
next_due(struct runner *r, struct verify_job *j)
{
	struct store_reader rd;
	int rc;

	if ((rc = store_reader_init(r->s, &rd)) != 0)
		return rc;
	if ((rc = store_reader_refresh(&rd)) == 0)
		rc = store_verify_next(&rd, clock_now(r), skip_flying, r, j);
	store_reader_fini(&rd);
	return rc;
}

/*
 * One look at the queue: start the next due job when a slot is free and
 * the rate allows a connection, and say when to look again.
 */
static void
on_tick(uv_timer_t *h)
{
	struct runner *r = h->data;
	struct verify_job j;
	uint64_t wait;
	int rc;

	if (r->o->job != 0) {
		if (!r->job_started) {
			r->job_started = true;
			/* Refused or no longer pending: nothing runs, nothing will wake us. */
			if ((rc = start_job(r, r->o->job)) != 0 || r->nflight == 0)
				stop(r, rc);
		} else if (r->nflight == 0) {
			stop(r, 0);
		}
		return;
	}
	/* Full: the end of a test wakes the loop (test_done). */
	if (r->nflight >= r->c->verify->concurrency || r->nflight >= MAX_FLIGHT)
		return;
	uv_update_time(r->loop);
	if (uv_now(r->loop) < r->next_start) {
		wait = r->next_start - uv_now(r->loop);
		schedule(r, wait);
		return;
	}
	if ((rc = next_due(r, &j)) == 0) {
		if ((rc = start_job(r, j.id)) != 0)
			stop(r, rc);
		else
			schedule(r, 0);	/* the rate decides when the next may begin */
		return;
	}
	if (rc != RB_ENOTFOUND) {
		stop(r, rc);
		return;
	}
	if (r->nflight == 0 && (r->o->once ||
	    clock_now(r) - r->last_sweep >= (int64_t)r->o->poll)) {
		r->last_sweep = clock_now(r);
		if ((rc = sweep(r)) != 0 || r->o->once) {
			stop(r, rc);
			return;
		}
	}
	schedule(r, (uint64_t)r->o->poll * 1000);
}

int
run_queue(const struct conf *c, struct store *s, const uint16_t *zone_ids,
    const struct run_opts *o)
{
	struct runner r;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.s = s;
	r.zone_ids = zone_ids;
	r.o = o;
	r.loop = uv_default_loop();
	if (c->verify->secret == NULL || c->verify->dropbox == NULL) {
		fprintf(stderr, "rbldb-verify: %s: [verify] needs secret and dropbox (see "
		    "rbldb.conf(5))\n", c->path);
		return 1;
	}
	r.spacing = (uint64_t)c->verify->rate_period * 1000 / c->verify->rate;
	uv_timer_init(r.loop, &r.tick);
	r.tick.data = &r;
	schedule(&r, 0);
	uv_run(r.loop, UV_RUN_DEFAULT);
	uv_loop_close(r.loop);
	return r.failed;
}
