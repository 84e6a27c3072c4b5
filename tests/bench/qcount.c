/*
 * qcount: replay the benchmark's query mix through door_answer, the
 * server's front door (no ACL, no RRL, as the benchmark's configuration
 * has none), one class at a time, so that callgrind can count
 * the instructions each class costs (issue 7: hit A, miss A, hit TXT).
 *
 *   qcount CONF DBDIR HIT_A MIXED_A HIT_TXT [N]
 *
 * The three files are dnsperf inputs ("name TYPE" per line).  A first pass,
 * not measured, answers every query once, sorts the mixed file's queries
 * into hits and misses by the answer's RCODE, and warms the process up
 * (lazy symbol binding, the map's pages).  The presence maps are built
 * first, as rbldbd builds them after start.  Then each class of N queries
 * (default 10000) is replayed in batches of NET_BATCH-like size with one
 * snapshot refresh per batch, as a worker does.  Under
 *   valgrind --tool=callgrind --instr-atstart=no
 * the replay of each class is instrumented alone and dumped as its own
 * profile (CALLGRIND_DUMP_STATS_AT), named after the class; run.sh reads
 * each dump's total and the calls to malloc and friends inside it.  Run
 * natively it prints nanoseconds per query instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "conf.h"
#include "conf_server.h"
#include "door.h"
#include "keyuse.h"
#include "log.h"
#include "presence.h"
#include "query.h"
#include "rb.h"
#include "store.h"

#define BATCH 64		/* datagrams per batch, as server/net.c NET_BATCH */
#define PKT_MAX 300		/* a question of up to 255 octets plus header */

struct pkt {
	uint16_t len;
	uint8_t b[PKT_MAX];
};

struct class {
	const char *name;
	struct pkt *p;
	size_t n, cap;
};

/* "d.c.b.a.zone TYPE" into a DNS query without EDNS, as dnsperf sends by default. */
static int
make_query(const char *line, uint16_t id, struct pkt *q)
{
	char name[256], type[16];
	uint16_t qtype;
	size_t off = 12;
	const char *s, *dot;

	if (sscanf(line, "%255s %15s", name, type) != 2)
		return -1;
	if (strcmp(type, "A") == 0)
		qtype = 1;
	else if (strcmp(type, "TXT") == 0)
		qtype = 16;
	else
		return -1;
	memset(q->b, 0, 12);
	q->b[0] = id >> 8;
	q->b[1] = id & 0xff;
	q->b[5] = 1;			/* QDCOUNT */
	for (s = name; *s != '\0'; s = *dot ? dot + 1 : dot) {
		size_t n;

		dot = strchr(s, '.');
		if (dot == NULL)
			dot = s + strlen(s);
		n = (size_t)(dot - s);
		if (n == 0 || n > 63 || off + n + 6 > PKT_MAX)
			return -1;
		q->b[off++] = (uint8_t)n;
		memcpy(q->b + off, s, n);
		off += n;
	}
	q->b[off++] = 0;
	q->b[off++] = 0;
	q->b[off++] = (uint8_t)qtype;
	q->b[off++] = 0;
	q->b[off++] = 1;		/* class IN */
	q->len = (uint16_t)off;
	return 0;
}

static void
class_add(struct class *c, const struct pkt *q)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->p = xrealloc(c->p, c->cap * sizeof(*c->p));
	}
	c->p[c->n++] = *q;
}

/*
 * Read up to LIMIT queries of FILE, answer each once and file it under HIT
 * (NOERROR with an answer) or MISS (NXDOMAIN); MISS may be NULL.
 */
static int
load(struct query_ctx *q, const char *file, size_t limit, struct class *hit,
    struct class *miss, uint8_t *out)
{
	char line[512];
	struct pkt p;
	size_t olen, seen = 0;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL) {
		perror(file);
		return -1;
	}
	while ((hit->n < limit || (miss != NULL && miss->n < limit)) &&
	    fgets(line, sizeof(line), f) != NULL) {
		if (make_query(line, (uint16_t)seen++, &p) != 0)
			continue;
		if (seen % BATCH == 1 && query_ctx_refresh(q) != 0)
			break;
		if (query_answer(q, p.b, p.len, QUERY_UDP, out, QUERY_BUFSIZE, &olen) !=
		    QUERY_ANSWER || olen < 12)
			continue;
		if ((out[3] & 0x0f) == 0 && (out[6] << 8 | out[7]) > 0) {
			if (hit->n < limit)
				class_add(hit, &p);
		} else if ((out[3] & 0x0f) == 3 && miss != NULL && miss->n < limit)
			class_add(miss, &p);
	}
	query_ctx_release(q);
	fclose(f);
	return 0;
}

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The measured loop: what a worker does for N datagrams, minus the sockets. */
static size_t
replay(struct query_ctx *q, const struct class *c, uint8_t *out)
{
	struct sockaddr_in peer = { .sin_family = AF_INET, .sin_port = 0x3535 };
	struct xfr_job *job;
	size_t i, olen, bytes = 0;

	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < c->n; i++) {
		if (i % BATCH == 0 && query_ctx_refresh(q) != 0)
			return 0;
		if (door_answer(q, NULL, NULL, (struct sockaddr *)&peer, c->p[i].b, c->p[i].len,
		    QUERY_UDP, out, QUERY_BUFSIZE, &olen, &job) == QUERY_ANSWER)
			bytes += olen;
		if (i % BATCH == BATCH - 1 || i + 1 == c->n)
			query_ctx_release(q);
	}
	return bytes;
}

int
main(int argc, char **argv)
{
	struct class cls[3] = { { .name = "hit-a" }, { .name = "miss-a" }, { .name = "hit-txt" } };
	struct conf *conf = NULL;
	struct store *store = NULL;
	struct zonetab *zt = NULL;
	struct presence *presence = NULL;
	struct query_ctx q;
	struct keyuse *ku = NULL;
	struct keyuse_set kset = { 1, &ku };
	size_t limit = 10000, i, bytes;
	uint8_t *out = NULL;
	char err[512];
	double t;
	int rc, status = 1;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: qcount CONF DBDIR HIT_A MIXED_A HIT_TXT [N]\n");
		return 2;
	}
	if (argc == 7)
		limit = strtoul(argv[6], NULL, 10);
	memset(&q, 0, sizeof(q));
	if ((conf = conf_server_load(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "qcount: %s\n", err);
		goto out;
	}
	if ((rc = store_open(&store, argv[2], conf->mapsize, 0)) != 0) {
		fprintf(stderr, "qcount: store %s: %s\n", argv[2], rb_strerror(rc));
		goto out;
	}
	if ((zt = zonetab_new(conf, store, err, sizeof(err))) == NULL) {
		fprintf(stderr, "qcount: %s\n", err);
		goto out;
	}
	if ((presence = presence_new(zt)) == NULL) {
		fprintf(stderr, "qcount: presence maps: out of memory\n");
		goto out;
	}
	if ((rc = presence_build(presence, store)) != 0) {
		fprintf(stderr, "qcount: presence maps: %s\n", rb_strerror(rc));
		goto out;
	}
	if ((rc = query_ctx_init(&q, zt, store)) != 0) {
		fprintf(stderr, "qcount: query context: %s\n", rb_strerror(rc));
		goto out;
	}
	q.presence = presence;
	/* Per-key counters as a worker of rbldbd has them (net.c), for keyed queries. */
	if ((ku = keyuse_new()) == NULL) {
		fprintf(stderr, "qcount: key counters: out of memory\n");
		goto out;
	}
	q.keyuse = ku;
	q.keyset = &kset;
	out = xmalloc(QUERY_BUFSIZE);
	if (load(&q, argv[3], limit, &cls[0], NULL, out) != 0 ||
	    load(&q, argv[4], limit, &cls[0], &cls[1], out) != 0 ||
	    load(&q, argv[5], limit, &cls[2], NULL, out) != 0)
		goto out;

	for (i = 0; i < RB_ARRAY_LEN(cls); i++) {
		if (cls[i].n == 0) {
			fprintf(stderr, "qcount: no %s queries found\n", cls[i].name);
			goto out;
		}
		replay(&q, &cls[i], out);	/* warm: same pages, same code */
	}
	CALLGRIND_START_INSTRUMENTATION;
	for (i = 0; i < RB_ARRAY_LEN(cls); i++) {
		CALLGRIND_ZERO_STATS;
		t = mono();
		bytes = replay(&q, &cls[i], out);
		t = mono() - t;
		CALLGRIND_DUMP_STATS_AT(cls[i].name);
		printf("%s queries=%zu answer_bytes=%zu ns_per_query=%.0f\n", cls[i].name,
		    cls[i].n, bytes, t * 1e9 / (double)cls[i].n);
	}
	CALLGRIND_STOP_INSTRUMENTATION;
	status = 0;
out:
	for (i = 0; i < RB_ARRAY_LEN(cls); i++)
		free(cls[i].p);
	free(out);
	query_ctx_fini(&q);
	keyuse_free(ku);
	presence_free(presence);
	zonetab_free(zt);
	if (store != NULL)
		store_close(store);
	if (conf != NULL)
		conf_free(conf);
	return status;
}
