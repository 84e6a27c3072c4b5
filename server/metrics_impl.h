/* The metrics' inside, shared by metrics.c (counting, set-up, transfers, NOTIFY) and metrics_http.c. */
#ifndef METRICS_IMPL_H
#define METRICS_IMPL_H

#include <pthread.h>

#include <microhttpd.h>

#include "addr.h"
#include "metrics.h"

struct mzone {
	char *name;
	uint16_t id;
};

/* A zone's last entry count and the zone's state when it was taken. */
struct entries {
	bool valid;
	uint64_t seq;
	int64_t at;
	uint64_t n;
};

/* The last transfer of one zone to one secondary (by address: they connect from any port). */
struct xfr_row {
	uint16_t zone;
	uint16_t qtype;
	char peer[ADDR_STRLEN];
	int64_t last;
	uint64_t count;
};

/* One NOTIFY target of one zone. */
struct notify_row {
	char zone[256];
	char target[ADDR_STRLEN + 8];	/* "192.0.2.1:53", "[2001:db8::1]:53" */
	uint16_t id;			/* of the last NOTIFY sent */
	int64_t sent, acked;
	uint64_t nsent;
};

struct metrics {
	struct store *s;
	struct metrics_worker *w;
	unsigned nw;
	int64_t started;
	const atomic_uint *nconns;
	const struct presence *presence;
	const struct keyuse_set *keys;

	pthread_mutex_t mu;		/* the zone list and the two tables */
	struct mzone *zones;
	size_t nzones;
	struct xfr_row xfr[METRICS_MAX_PEERS];
	size_t nxfr;
	struct notify_row nt[METRICS_MAX_PEERS];
	size_t nnt;

	pthread_mutex_t scrape_mu;	/* one scrape at a time: the reader and ENTRIES */
	struct store_reader rd;
	bool rd_init;
	struct entries entries[STORE_MAX_ZONES + 1];

	struct MHD_Daemon *d;
	unsigned port;
};

/* metrics.c */
void peer_text(const struct sockaddr *sa, bool with_port, char *buf, size_t len);

#endif
