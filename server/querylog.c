/* The query log: lock-free per-worker rings, emptied into a file by one logger thread. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "querylog.h"
#include "rb.h"

#define QL_BUFSIZE 65536	/* lines gathered before one write */
#define QL_LINEMAX 1100		/* the longest line: a 255-octet name all \DDD is 1020 */
#define QL_WARN_EVERY 60	/* seconds between two "lines lost" warnings */

/* What a worker copies per query: no pointer into its buffers survives the call. */
struct rec {
	uint32_t time;
	uint16_t qtype, rcode;
	uint8_t fam;		/* 4, 6, 0 = unknown */
	uint8_t transport;
	uint8_t qnamelen;	/* 0 = no question */
	uint16_t ancount, rlen;	/* the reply's answer count and length (rbldnsd's format) */
	uint8_t addr[16];
	uint8_t qname[255];
};

/*
 * One producer (the worker) moves HEAD, one consumer (the logger) moves
 * TAIL; both only grow and are used modulo QUERYLOG_RING.  They sit on
 * cache lines of their own so the two threads do not share one.
 */
struct querylog_ring {
	alignas(64) _Atomic uint32_t head;
	_Atomic uint64_t dropped;	/* written by the producer only */
	alignas(64) _Atomic uint32_t tail;
	alignas(64) struct rec rec[QUERYLOG_RING];
};

struct querylog {
	struct querylog_ring *rings;
	unsigned nrings;
	int fd;
	char *path;			/* under MU */
	atomic_bool reopen;
	bool stop;			/* under MU */
	bool failing;			/* a write failed and was logged; logger thread only */
	uint64_t lost;			/* lines lost as last reported; logger thread only */
	time_t lost_at;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* wakes the logger early to stop */
	pthread_t thread;
	bool started;
	enum querylog_style style;	/* set before the first line */
	char buf[QL_BUFSIZE];		/* logger thread only */
	size_t len;
};

/* ---- Formatting ---- */

static const char *
qtype_name(uint16_t t, char *buf, size_t cap)
{
	switch (t) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 43: return "DS";
	case 48: return "DNSKEY";
	case 64: return "SVCB";
	case 65: return "HTTPS";
	case 251: return "IXFR";
	case 252: return "AXFR";
	case 255: return "ANY";
	}
	snprintf(buf, cap, "TYPE%u", t);	/* RFC 3597 s5 */
	return buf;
}

static const char *
rcode_name(unsigned r, char *buf, size_t cap)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
	};

	if (r == QUERYLOG_DROP)
		return "DROP";
	if (r < sizeof(names) / sizeof(names[0]))
		return names[r];
	if (r == 9)
		return "NOTAUTH";
	if (r == 16)
		return "BADVERS";
	snprintf(buf, cap, "RCODE%u", r);
	return buf;
}

/* The name in master-file text: labels joined by '.', odd octets as \DDD. */
static size_t
name_text(const uint8_t *q, size_t len, char *out)
{
	size_t i = 0, o = 0, l, k;

	if (len == 0) {
		out[0] = '-';
		return 1;
	}
	if (len == 1 || q[0] == 0) {
		out[0] = '.';
		return 1;
	}
	while (i < len && q[i] != 0) {
		l = q[i++];
		if (o > 0)
			out[o++] = '.';
		for (k = 0; k < l && i < len; k++, i++) {
			uint8_t c = q[i];
			if (c <= ' ' || c >= 0x7f || c == '.' || c == '\\')
				o += (size_t)sprintf(out + o, "\\%03u", c);
			else
				out[o++] = (char)c;
		}
	}
	return o;
}

static size_t
format_rec(char *buf, size_t cap, const struct rec *r)
{
	char addr[INET6_ADDRSTRLEN] = "-", name[QL_LINEMAX], tb[16], rb[16];
	int n;

	if (r->fam == 4)
		inet_ntop(AF_INET, r->addr, addr, sizeof(addr));
	else if (r->fam == 6)
		inet_ntop(AF_INET6, r->addr, addr, sizeof(addr));
	name[name_text(r->qname, r->qnamelen, name)] = '\0';
	n = snprintf(buf, cap, "%u %s %s %s %s %s\n", r->time, addr, name,
	    r->qnamelen > 0 ? qtype_name(r->qtype, tb, sizeof(tb)) : "-",
	    rcode_name(r->rcode, rb, sizeof(rb)), r->transport ? "tcp" : "udp");
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/*
 * R as rbldnsd logs a reply: TIME CLIENT QNAME QTYPE CLASS: RCODE/ANCOUNT/LEN,
 * with rbldnsd's spellings (an unknown type "typeN", NOTIMP "NOTIMPL").
 */
static size_t
format_rbldnsd(char *buf, size_t cap, const struct rec *r)
{
	char addr[INET6_ADDRSTRLEN] = "-", name[QL_LINEMAX], tb[16], rb[16];
	const char *t, *rc;
	int n;

	if (r->fam == 4)
		inet_ntop(AF_INET, r->addr, addr, sizeof(addr));
	else if (r->fam == 6)
		inet_ntop(AF_INET6, r->addr, addr, sizeof(addr));
	name[name_text(r->qname, r->qnamelen, name)] = '\0';
	t = qtype_name(r->qtype, tb, sizeof(tb));
	if (t == tb)
		snprintf(tb, sizeof(tb), "type%u", r->qtype);
	rc = r->rcode == 4 ? "NOTIMPL" : rcode_name(r->rcode, rb, sizeof(rb));
	n = snprintf(buf, cap, "%u %s %s %s IN: %s/%u/%u\n", r->time, addr, name, t, rc,
	    r->ancount, r->rlen);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Fill R; IPv4-mapped IPv6 clients are written as IPv4. */
static void
fill(struct rec *r, uint32_t now, const struct sockaddr *peer, unsigned transport,
    const uint8_t *qname, size_t qnamelen, uint16_t qtype, unsigned rcode)
{
	r->time = now;
	r->qtype = qtype;
	r->rcode = (uint16_t)rcode;
	r->transport = (uint8_t)(transport & 1);
	r->fam = 0;
	if (peer != NULL && peer->sa_family == AF_INET) {
		r->fam = 4;
		memcpy(r->addr, &((const struct sockaddr_in *)peer)->sin_addr, 4);
	} else if (peer != NULL && peer->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)peer)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			r->fam = 4;
			memcpy(r->addr, a->s6_addr + 12, 4);
		} else {
			r->fam = 6;
			memcpy(r->addr, a->s6_addr, 16);
		}
	}
	if (qnamelen > sizeof(r->qname))
		qnamelen = 0;
	r->qnamelen = (uint8_t)qnamelen;
	r->ancount = 0;
	r->rlen = 0;
	if (qnamelen > 0)	/* a query without a question has no name at all */
		memcpy(r->qname, qname, qnamelen);
}

size_t
querylog_format(char *buf, size_t cap, uint32_t now, const struct sockaddr *peer,
    unsigned transport, const uint8_t *qname, size_t qnamelen, uint16_t qtype, unsigned rcode)
{
	struct rec r;

	fill(&r, now, peer, transport, qname, qnamelen, qtype, rcode);
	return format_rec(buf, cap, &r);
}

/* ---- Workers ---- */

struct querylog_ring *
querylog_ring(struct querylog *ql, unsigned i)
{
	return &ql->rings[i];
}

bool
querylog_put(struct querylog_ring *r, uint32_t now, const struct sockaddr *peer,
    unsigned transport, const uint8_t *qname, size_t qnamelen, uint16_t qtype, unsigned rcode)
{
	return querylog_put_reply(r, now, peer, transport, qname, qnamelen, qtype, rcode, NULL, 0);
}

bool
querylog_put_reply(struct querylog_ring *r, uint32_t now, const struct sockaddr *peer,
    unsigned transport, const uint8_t *qname, size_t qnamelen, uint16_t qtype, unsigned rcode,
    const uint8_t *reply, size_t rlen)
{
	struct rec *rec;

	uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	uint32_t t = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (h - t >= QUERYLOG_RING) {
		atomic_store_explicit(&r->dropped,
		    atomic_load_explicit(&r->dropped, memory_order_relaxed) + 1,
		    memory_order_relaxed);
		return false;
	}
	rec = &r->rec[h & (QUERYLOG_RING - 1)];
	fill(rec, now, peer, transport, qname, qnamelen, qtype, rcode);
	if (reply != NULL && rlen >= 12) {
		rec->ancount = (uint16_t)(reply[6] << 8 | reply[7]);
		rec->rlen = (uint16_t)(rlen > 0xffff ? 0xffff : rlen);
	}
	/* Release: the logger sees the record complete once it sees the new head. */
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
	return true;
}

/* ---- The logger thread ---- */

static void
flush(struct querylog *ql)
{
	size_t off = 0;
	ssize_t k;

	while (off < ql->len) {
		k = write(ql->fd, ql->buf + off, ql->len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			/* Disk full or gone: lose these lines, say so once until it works again. */
			if (!ql->failing)
				log_warn("query log: write");
			ql->failing = true;
			break;
		}
		off += (size_t)k;
	}
	if (off == ql->len && ql->failing && ql->len > 0) {
		ql->failing = false;
		log_info("query log: writing again");
	}
	ql->len = 0;
}

/* Say how many lines the workers could not queue, at most once a minute. */
static void
report_lost(struct querylog *ql, bool now)
{
	uint64_t n = 0;
	time_t t = time(NULL);
	unsigned i;

	for (i = 0; i < ql->nrings; i++)
		n += atomic_load_explicit(&ql->rings[i].dropped, memory_order_relaxed);
	if (n == ql->lost || (!now && t - ql->lost_at < QL_WARN_EVERY))
		return;
	log_warnx("query log: %llu line%s lost: the logger fell behind the queries",
	    (unsigned long long)(n - ql->lost), n - ql->lost == 1 ? "" : "s");
	ql->lost = n;
	ql->lost_at = t;
}

static void
drain(struct querylog *ql)
{
	unsigned i;

	for (i = 0; i < ql->nrings; i++) {
		struct querylog_ring *r = &ql->rings[i];
		uint32_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
		uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);

		for (; t != h; t++) {
			if (QL_BUFSIZE - ql->len < QL_LINEMAX)
				flush(ql);
			const struct rec *rec = &r->rec[t & (QUERYLOG_RING - 1)];

			/* rbldnsd logs the replies it sends: a dropped query has no line. */
			if (ql->style != QUERYLOG_RBLDNSD)
				ql->len += format_rec(ql->buf + ql->len, QL_BUFSIZE - ql->len, rec);
			else if (rec->rcode != QUERYLOG_DROP)
				ql->len += format_rbldnsd(ql->buf + ql->len, QL_BUFSIZE - ql->len, rec);
			/* Hand each slot back as soon as it is copied out. */
			atomic_store_explicit(&r->tail, t + 1, memory_order_release);
		}
	}
	flush(ql);
}

/* querylog_set_owner(): one server, one user; set before any thread starts. */
static bool owner_set;
static uid_t owner_uid;
static gid_t owner_gid;

void
querylog_set_owner(uid_t uid, gid_t gid)
{
	owner_set = true;
	owner_uid = uid;
	owner_gid = gid;
}

/*
 * Open PATH for appending, -1 and errno on failure.  O_NOFOLLOW: never
 * through a link; O_NONBLOCK: a FIFO without a reader fails instead of
 * hanging the start.  The checks look at what was opened, not at the name,
 * so nothing can be swapped in between.
 */
static int
open_log(const char *path)
{
	struct stat st;
	int fd, e;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
	    0600);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto fail;
	/* A FIFO feeds a log reader; a device is no log (root would write a disk). */
	if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
		errno = EINVAL;	/* open_error() says what */
		goto fail;
	}
	if (geteuid() == 0 && S_ISREG(st.st_mode) && st.st_nlink != 1) {
		errno = EMLINK;
		goto fail;
	}
	if (geteuid() == 0 && owner_set && st.st_uid == 0 &&
	    fchown(fd, owner_uid, owner_gid) != 0)
		goto fail;
	if (fcntl(fd, F_SETFL, O_WRONLY | O_APPEND) != 0)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* Why open_log() failed, in words. */
static const char *
open_error(int e)
{
	switch (e) {
	case EINVAL:
		return "neither a regular file nor a FIFO";
	case EMLINK:
		return "it has another name (a hard link), so it could be any file of root's";
	default:
		return rb_strerror(-e);
	}
}

static void
reopen(struct querylog *ql)
{
	int fd;

	pthread_mutex_lock(&ql->mu);
	fd = open_log(ql->path);
	if (fd < 0)
		log_warnx("query log: reopen %s: %s (still writing the old file)", ql->path,
		    open_error(errno));
	pthread_mutex_unlock(&ql->mu);
	if (fd < 0)
		return;
	close(ql->fd);
	ql->fd = fd;
	ql->failing = false;
}

static void *
logger(void *arg)
{
	struct querylog *ql = arg;
	struct timespec ts;
	bool stop;

	do {
		drain(ql);
		report_lost(ql, false);
		if (atomic_exchange(&ql->reopen, false))
			reopen(ql);
		pthread_mutex_lock(&ql->mu);
		if (!ql->stop) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_nsec += QUERYLOG_EVERY_MS * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&ql->cv, &ql->mu, &ts);
		}
		stop = ql->stop;
		pthread_mutex_unlock(&ql->mu);
	} while (!stop);
	/* The workers have stopped: what they queued last goes out too. */
	drain(ql);
	report_lost(ql, true);
	return NULL;
}

/* ---- Set-up ---- */

struct querylog *
querylog_open(const char *path, unsigned nrings, char *err, size_t errlen)
{
	struct querylog *ql;
	pthread_condattr_t ca;
	int rc;

	if ((ql = calloc(1, sizeof(*ql))) == NULL)
		goto nomem;
	ql->fd = -1;
	pthread_mutex_init(&ql->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ql->cv, &ca);
	pthread_condattr_destroy(&ca);
	ql->nrings = nrings > 0 ? nrings : 1;
	ql->rings = aligned_alloc(alignof(struct querylog_ring),
	    sizeof(struct querylog_ring) * ql->nrings);
	if (ql->rings == NULL || (ql->path = strdup(path)) == NULL)
		goto nomem;
	memset(ql->rings, 0, sizeof(struct querylog_ring) * ql->nrings);
	if ((ql->fd = open_log(path)) < 0) {
		snprintf(err, errlen, "query-log %s: %s", path, open_error(errno));
		goto fail;
	}
	if ((rc = pthread_create(&ql->thread, NULL, logger, ql)) != 0) {
		snprintf(err, errlen, "query log thread: %s", strerror(rc));
		goto fail;
	}
	ql->started = true;
	return ql;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	querylog_close(ql);
	return NULL;
}

void
querylog_close(struct querylog *ql)
{
	if (ql == NULL)
		return;
	if (ql->started) {
		pthread_mutex_lock(&ql->mu);
		ql->stop = true;
		pthread_cond_signal(&ql->cv);
		pthread_mutex_unlock(&ql->mu);
		pthread_join(ql->thread, NULL);
	}
	if (ql->fd >= 0)
		close(ql->fd);
	pthread_cond_destroy(&ql->cv);
	pthread_mutex_destroy(&ql->mu);
	free(ql->path);
	free(ql->rings);
	free(ql);
}

void
querylog_reopen(struct querylog *ql)
{
	atomic_store(&ql->reopen, true);
}

int
querylog_set_path(struct querylog *ql, const char *path)
{
	char *p = strdup(path);

	if (p == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&ql->mu);
	free(ql->path);
	ql->path = p;
	pthread_mutex_unlock(&ql->mu);
	return 0;
}

void
querylog_set_style(struct querylog *ql, enum querylog_style style)
{
	if (ql != NULL)
		ql->style = style;
}

size_t
querylog_format_rbldnsd(char *buf, size_t cap, uint32_t now, const struct sockaddr *peer,
    const uint8_t *qname, size_t qnamelen, uint16_t qtype, unsigned rcode, const uint8_t *reply,
    size_t rlen)
{
	struct rec r;

	fill(&r, now, peer, 0, qname, qnamelen, qtype, rcode);
	if (reply != NULL && rlen >= 12) {
		r.ancount = (uint16_t)(reply[6] << 8 | reply[7]);
		r.rlen = (uint16_t)(rlen > 0xffff ? 0xffff : rlen);
	}
	return format_rbldnsd(buf, cap, &r);
}
