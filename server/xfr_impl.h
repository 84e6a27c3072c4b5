/* The transfer service's inside, shared by xfr.c (access, jobs, messages, AXFR) and ixfr.c. */
#ifndef XFR_IMPL_H
#define XFR_IMPL_H

#include <pthread.h>
#include <stdatomic.h>

#include "addr.h"
#include "dns.h"
#include "wire.h"
#include "xfr.h"
#include "zonemap.h"
#include "zonetab.h"

#define MSGMAX DNS_MSGMAX
#define PTR_APEX (DNS_PTR | DNS_QNAME)	/* the question name, which is the apex */
#define XFR_MAX_CHANGES 1000000	/* journalled changes past which a full transfer is cheaper */
#define XFR_MAX_REGIONS 4096	/* changed entries past which the whole zone is compared */
/* A journal callback's "enough": store_journal passes negative values back as they are. */
#define WALK_STOP (-EALREADY)

struct xfr {
	const struct zonetab *zt;
	struct store *store;
	const struct tsig_keyring *kr;
	const struct conf_zone **cz;	/* per zone of zt */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned live;			/* producer threads running */
};

struct xmsg {
	size_t len;
	uint8_t buf[MSGMAX];
};

struct xfr_job {
	struct xfr *x;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* room in the queue, or abandoned */
	struct xmsg q[XFR_QUEUE];
	unsigned head, count;
	bool done, failed;
	atomic_bool abandoned;
	int refs;			/* the consumer and the producer */
	void (*wake)(void *arg);
	void *wake_arg;

	/* The request. */
	uint8_t id[2], flags;
	uint8_t question[ZT_NAMELEN + 4];
	size_t qlen;
	bool ixfr;
	bool serve_keys;		/* the allow-transfer item said serve-keys */
	uint32_t client_serial;
	bool sign;
	struct tsig_ctx tsig;
	size_t zi;
	char peer[ADDR_STRLEN];
	struct store_reader rd;
	struct store_zone sz;

	/* The producer's message under construction, and totals for the log. */
	struct wire w;
	uint16_t an;
	bool pushed;
	uint64_t nrr, nmsg, nbytes;
	uint8_t msg[MSGMAX];
};

/* xfr.c: writing the messages of a transfer */
int axfr_run(struct xfr_job *j);
void map_src(struct xfr_job *j, struct zonemap_src *src, const struct listing *e, size_t n);
int msg_flush(struct xfr_job *j);
int put_mapped(void *arg, const struct zonemap_rr *rr);
int put_soa(struct xfr_job *j, uint32_t serial);
bool serial_lt(uint32_t a, uint32_t b);

/* xfr_aggregate.c: an aggregate's records (the members' union); its IXFR, in full */
int xfr_aggregate_map(struct xfr_job *j);
const char *ixfr_aggregate_run(struct xfr_job *j, int *rcp);

/* ixfr.c: the answer to an IXFR from the journal; *RC gets the rcode when it fails */
const char * ixfr_run(struct xfr_job *j, int *rcp);

#endif
