/* The server's sockets and event loops (libuv): UDP and TCP workers, signals, expiry. */
#ifndef NET_H
#define NET_H

#include <stddef.h>

#include "conf_server.h"
#include "query.h"
#include "store.h"

/*
 * Threads:
 *  - N workers, each with its own uv_loop, its own SO_REUSEPORT UDP socket
 *    and its own SO_REUSEPORT TCP listener per listen address, so the kernel
 *    spreads packets and connections over them and no lock is shared.  UDP
 *    is read and answered in batches (recvmmsg/sendmmsg under a uv_poll_t),
 *    one store snapshot per batch.  A TCP connection stays on the worker
 *    that accepted it; the connection limit counts all workers together and
 *    a worker at the limit has the least recently active idle connection of
 *    all workers closed (its own, or another's through that one's loop);
 *    connections per client are counted in a table all workers share, as
 *    is the response rate limiting table (rrl.h);
 *  - the control loop, run by the caller of net_run: SIGTERM/SIGINT,
 *    SIGHUP (the new configuration is built on the libuv thread pool, then
 *    each worker switches to it between two batches), the expiry timer,
 *    whose commits run on the libuv thread pool so neither a long
 *    store_expire nor another process's write transaction can delay a
 *    query, and the NOTIFY timer and sockets (notify.c);
 *  - one producer thread per zone transfer (xfr.c), whose messages the
 *    worker that owns the connection sends one write at a time;
 *  - with [server] metrics, libmicrohttpd's thread serving GET /metrics
 *    (metrics.h), which sums the workers' own counters;
 *  - with [server] query-log, the logger thread, which empties the
 *    workers' own rings into the file (querylog.h).
 * The service manager hears of start, reloads and stop (sdnotify.h).
 */

#define NET_TCP_IDLE_MS 10000		/* RFC 7766 s6.2.3: idle connection timeout */
#define NET_TCP_MESSAGE_MS 10000	/* a message, from its first octet to its last */
#define NET_TCP_MAX_CONNS 256		/* TCP connections, all workers together */
#define NET_EXPIRE_EVERY_MS 30000	/* SPEC: due expiries committed at least once a minute */

struct net_opts {
	unsigned threads;		/* workers; 0 = one per core */
	unsigned tcp_idle_ms;		/* 0 = tcp-idle-timeout of the configuration */
	unsigned tcp_max_conns;		/* 0 = tcp-max-conns of the configuration */
	unsigned expire_every_ms;	/* 0 = NET_EXPIRE_EVERY_MS */
	unsigned xfr_timeout_ms;	/* one zone transfer at most; 0 = XFR_TIMEOUT_MS */
	const struct presence *presence;	/* presence.h; NULL: every address looked up */
	bool read_only;			/* the store is read-only: no expiry, no usage folds */
};

/*
 * The first configuration and zone table are the caller's; those of later
 * reloads are the net's, freed once no worker or transfer uses them.
 */
struct net;

/*
 * Bind every socket of C's listen addresses (UDP and TCP each, one per
 * worker), the metrics endpoint and the query log when configured, and
 * catch SIGTERM/SIGINT/SIGHUP.  A listen port 0 takes one
 * free port for all sockets of that address.  C, S and ZT are borrowed and must
 * outlive the net.  On failure returns a negative code with a one-line
 * reason in ERR ("127.0.0.1:5300 udp: Address already in use").
 */
int net_open(struct net **out, const struct conf *c, struct store *s,
    const struct zonetab *zt, const struct net_opts *o, char *err, size_t errlen);

/*
 * Start the worker threads and wait until each has its store reader.
 * Queries are answered from then on.  Negative + ERR on failure.
 */
int net_start(struct net *n, char *err, size_t errlen);

/*
 * Reading the configuration again, for SIGHUP: returns a new one with the
 * command line's overrides applied, or NULL with "FILE:LINE: ..." in ERR.
 * Called on a thread of the libuv pool.
 */
typedef struct conf *(*net_reload_fn)(void *arg, char *err, size_t errlen);

/*
 * Take SIGHUP as "reload through FN": the zones of the new configuration
 * (added, removed, changed), its ACLs, rate and TCP limits, keys, transfer
 * and NOTIFY settings and nsid are served from then on; listen, db,
 * threads, user, chroot, mapsize, metrics, query-log and syslog wait for a
 * restart.  A configuration that fails to load is logged and the running
 * one kept.  Every SIGHUP also reopens the query log (logrotate).  Without
 * FN, SIGHUP only reopens the query log.
 */
void net_on_reload(struct net *n, net_reload_fn fn, void *arg);

/*
 * The query log is reopened by PATH from now on (the configured path as
 * seen inside a chroot).  No-op without a query log.
 */
int net_querylog_path(struct net *n, const char *path);

/* "127.0.0.1:5300 udp tcp, [::1]:5300 udp tcp": the bound sockets, for the ready line. */
char *net_describe(const struct net *n, char *buf, size_t len);

/*
 * Run the control loop until SIGTERM or SIGINT, then stop accepting, let the
 * workers finish what is in flight, and join them.  Returns 0.
 */
int net_run(struct net *n);

/* Close every socket and free N (after net_run, or instead of it on a start-up error). */
void net_close(struct net *n);

#endif
