/* The control loop's life: signals, SIGHUP reload of the configuration, observers. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "querylog.h"
#include "sdnotify.h"
#include "zonetab.h"
#include "net_impl.h"

/* ---- Signals ---- */

void
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

/* ---- SIGHUP: a new configuration beside the old ---- */

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
	const struct conf_server *os = old->server, *ns = new->server;
	size_t i, added = 0, removed = 0;
	bool listen = os->nlisten != ns->nlisten;

	for (i = 0; i < new->nzones; i++)
		added += !has_zone(old, new->zones[i].name);
	for (i = 0; i < old->nzones; i++)
		removed += !has_zone(new, old->zones[i].name);
	log_info("reloaded %s: %zu zone%s added, %zu removed, %zu kept", new->path, added,
	    added == 1 ? "" : "s", removed, new->nzones - added);
	for (i = 0; !listen && i < ns->nlisten; i++)
		listen = strcmp(os->listen[i].text, ns->listen[i].text) != 0;
	if (listen)
		log_warnx("reload: listen changed: it takes effect at the next start");
	if (!same_str(old->db, new->db))
		log_warnx("reload: db changed: it takes effect at the next start");
	if (os->threads != ns->threads || old->mapsize != new->mapsize)
		log_warnx("reload: threads or mapsize changed: it takes effect at the next start");
	if (!same_str(os->user, ns->user) || !same_str(os->chroot, ns->chroot))
		log_warnx("reload: user or chroot changed: it takes effect at the next start");
	if (os->metrics_len != ns->metrics_len ||
	    memcmp(&os->metrics, &ns->metrics, os->metrics_len) != 0 ||
	    !same_str(os->query_log, ns->query_log) || os->syslog != ns->syslog)
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

int
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
int
observers_open(struct net *n, const struct conf *c, const struct zonetab *zt, char *err,
    size_t errlen)
{
	struct sockaddr_storage bound;
	char where[ADDR_STRLEN + 8];
	uint16_t port;
	int rc;

	if (c->server->metrics.ss_family != 0) {
		if ((n->metrics = metrics_new(n->store, n->o.threads)) == NULL ||
		    metrics_zones(n, zt) != 0) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		metrics_watch_tcp(n->metrics, &n->nconns);
		metrics_watch_keys(n->metrics, &n->keyset);
		metrics_watch_presence(n->metrics, n->o.presence);
		if ((rc = metrics_listen(n->metrics, (const struct sockaddr *)&c->server->metrics, err,
		    errlen)) != 0)
			return rc;
		/* The port actually bound, which port 0 leaves to the system. */
		bound = c->server->metrics;
		port = htons((uint16_t)metrics_port(n->metrics));
		if (bound.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&bound)->sin6_port = port;
		else
			((struct sockaddr_in *)&bound)->sin_port = port;
		sockaddr_text(&bound, where, sizeof(where));
		log_info("metrics: serving http://%s/metrics", where);
	}
	if (c->server->query_log != NULL &&
	    (n->qlog = querylog_open(c->server->query_log, n->o.threads, err, errlen)) == NULL)
		return -EINVAL;
	querylog_set_style(n->qlog, c->server->query_log_format);
	return 0;
}

int
net_querylog_path(struct net *n, const char *path)
{
	return n->qlog != NULL ? querylog_set_path(n->qlog, path) : 0;
}
