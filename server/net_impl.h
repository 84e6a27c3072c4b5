/* The server's private structures, shared by its byte-moving, timed and reloading rooms. */
#ifndef NET_IMPL_H
#define NET_IMPL_H

/*
 * net.h is the server's public face (main.c's); this header is for the
 * files behind it only: net.c (configurations, workers, the API), udp.c
 * and tcp.c (moving bytes to and from the front door, door.h), timed.c
 * (expiry commits and NOTIFY on the control loop) and reload.c (signals,
 * SIGHUP reload, observers).
 */

#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

#include "conf.h"
#include "net.h"
#include "keyuse.h"
#include "query.h"
#include "store.h"
#include "udp_load.h"
#include "xfr.h"

struct acl;
struct metrics;
struct metrics_worker;
struct notify;
struct querylog;
struct querylog_ring;
struct rrl;
struct tsig_keyring;

#define NET_BATCH 64		/* UDP datagrams per recvmmsg/sendmmsg */
#define NET_UDP_BUFSIZE 4096	/* per datagram; query.c keeps answers to the client's size */
#define NET_UDP_ROUNDS 16	/* batches per wake-up before TCP gets the loop again */
#define NET_UDP_BACKLOG 8	/* datagrams the first read must find for udp-batch-wait to pause */
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
	struct udp_load udp_load;	/* whether pauses pay (udp_load.h) */
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
	bool expire_over;		/* the last expiry commit went over a zone's max-change */
	struct store_change_over over;
	uv_sem_t started;
	bool sem_init;
	atomic_uint nconns;		/* TCP connections of all workers */
	struct metrics *metrics;	/* NULL = no metrics endpoint */
	struct querylog *qlog;		/* NULL = no query log */
	struct keyuse_set keyset;	/* every worker's key counters (keyed access) */
	uint64_t (*keyseen)[3];		/* the counters as last folded into the store (timed.c) */
	uint64_t (*keynext)[3];		/* as read by the fold in progress */
	atomic_ushort nclient[NET_CLIENT_SLOTS];	/* TCP connections per client */
};

/* ---- net.c ---- */

/* Configurations: SV is held by each worker and transfer using it, freed at the last release. */
void served_hold(struct served *sv);
void served_release(struct served *sv);
void served_free(struct served *sv);
/* What C (and ZT) serve, with the limits of N's options; OWNED is freed with it. */
struct served *served_new(struct net *n, const struct conf *c, struct conf *owned,
    const struct zonetab *zt, char *err, size_t errlen);
/* A socket of TYPE bound to LA; -1 with ERR set. */
int sock_open(const struct listen_addr *la, int type, bool reuseport, char *err, size_t errlen);
void sockaddr_text(const struct sockaddr_storage *sa, char *buf, size_t len);
/* Before a batch: the newest store snapshot and configuration; false when the store cannot be read. */
bool worker_refresh(struct worker *w);
/* One message through the front door (door.h), counted in the metrics and the query log. */
enum query_result worker_answer(struct worker *w, const struct sockaddr *peer,
    const uint8_t *pkt, size_t len, enum query_transport tr, uint8_t *out, size_t cap,
    size_t *olen, struct xfr_job **job);
/* N messages of TR took from T0 (uv_hrtime) to now. */
void worker_observe(struct worker *w, enum query_transport tr, uint64_t t0, uint64_t n);

/* ---- udp.c ---- */

int udp_init(struct worker *w, struct udp_sock *u, const struct listen_addr *la, char *err,
    size_t errlen);
void udp_shutdown(struct worker *w);

/* ---- tcp.c ---- */

int tcp_init(struct worker *w, struct tcp_listener *t, const struct listen_addr *la, char *err,
    size_t errlen);
void tcp_shutdown(struct worker *w);
/* Another worker asked W to close an idle connection for it (tcp-max-conns). */
void worker_evict(uv_async_t *a);

/* ---- timed.c ---- */

/* The key counters' last fold into the store, once the workers have stopped (timed.c). */
void keys_fold_final(struct net *n);
void expire_tick(uv_timer_t *t);
void notify_timer_cb(uv_timer_t *t);
/* A UDP socket per family that NT has targets of, for NOTIFY and its acknowledgements. */
int notify_sockets(struct net *n, const struct notify *nt, char *err, size_t errlen);

/* ---- reload.c ---- */

/* The control loop's signals and timers; ctl_close closes what ctl_init opened. */
int ctl_init(struct net *n, char *err, size_t errlen);
void ctl_close(struct net *n);
/* The metrics endpoint and the query log of C, if it asks for them. */
int observers_open(struct net *n, const struct conf *c, const struct zonetab *zt, char *err,
    size_t errlen);

#endif
