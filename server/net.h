/* The server's sockets and event loops (libuv): UDP and TCP workers, signals, expiry. */
#ifndef NET_H
#define NET_H

#include <stddef.h>

#include "conf.h"
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
 *    a worker at the limit closes its own least recently active one;
 *  - the control loop, run by the caller of net_run: SIGTERM/SIGINT and the
 *    expiry timer, whose commits run on the libuv thread pool so neither a
 *    long store_expire nor another process's write transaction can delay a
 *    query.
 */

#define NET_TCP_IDLE_MS 10000		/* RFC 7766 s6.2.3: idle connection timeout */
#define NET_TCP_MAX_CONNS 256		/* TCP connections, all workers together */
#define NET_EXPIRE_EVERY_MS 30000	/* SPEC: due expiries committed at least once a minute */

struct net_opts {
	unsigned threads;		/* workers; 0 = one per core */
	unsigned tcp_idle_ms;		/* 0 = NET_TCP_IDLE_MS */
	unsigned tcp_max_conns;		/* 0 = NET_TCP_MAX_CONNS */
	unsigned expire_every_ms;	/* 0 = NET_EXPIRE_EVERY_MS */
};

/*
 * The zone table is borrowed as a whole: a configuration reload can later
 * build a new one and hand it to the workers between batches (each worker's
 * query_ctx holds its own pointer).
 */
struct net;

/*
 * Bind every socket of C's listen addresses (UDP and TCP each, one per
 * worker) and catch SIGTERM/SIGINT.  A listen port 0 takes one free port
 * for all sockets of that address.  C, S and ZT are borrowed and must
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
