/* Removal requests of rbldb-web: the queue the operator decides, and their history records. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

#define REQ_LEN 38
#define REQ_NTEXT 5

int
upgrade_add_requests(struct store *s, MDB_txn *txn)
{
	/* DB_REQUESTS is created empty by store_open: no request predates it. */
	(void)s;
	(void)txn;
	return RB_OK;
}

static size_t
put_text(unsigned char *p, const char *t)
{
	size_t n = t != NULL ? strlen(t) : 0;

	if (n > STORE_REQ_MAX_TEXT)
		n = STORE_REQ_MAX_TEXT;
	put16(p, (uint16_t)(n ? n + 1 : 0));
	if (n > 0) {
		memcpy(p + 2, t, n);
		p[2 + n++] = '\0';
	}
	return 2 + n;
}

static const char *
get_text(const unsigned char **p, const unsigned char *end)
{
	uint16_t n;
	const char *s;

	if (end - *p < 2)
		return NULL;
	n = get16(*p);
	*p += 2;
	if (n == 0 || end - *p < n)
		return NULL;
	s = (const char *)*p;
	*p += n;
	return s[n - 1] == '\0' ? s : NULL;
}

static size_t
req_encode(unsigned char *vb, const struct store_request *rq)
{
	const char *t[REQ_NTEXT] = { rq->reason, rq->contact, rq->client, rq->decision, rq->by };
	size_t n = REQ_LEN;
	unsigned i;

	put64(vb, (uint64_t)rq->at);
	put64(vb + 8, (uint64_t)rq->decided);
	put16(vb + 16, rq->zone);
	vb[18] = rq->state;
	vb[19] = rq->policy;
	vb[20] = rq->net.fam;
	vb[21] = rq->net.plen;
	memcpy(vb + 22, rq->net.a, 16);
	for (i = 0; i < REQ_NTEXT; i++)
		n += put_text(vb + n, t[i]);
	return n;
}

static int
req_decode(uint64_t id, const MDB_val *v, struct store_request *rq)
{
	const unsigned char *p = v->mv_data, *end = p + v->mv_size;

	if (v->mv_size < REQ_LEN)
		return RB_ESTORE;
	memset(rq, 0, sizeof(*rq));
	rq->id = id;
	rq->at = (int64_t)get64(p);
	rq->decided = (int64_t)get64(p + 8);
	rq->zone = get16(p + 16);
	rq->state = p[18];
	rq->policy = p[19];
	rq->net.fam = p[20];
	rq->net.plen = p[21];
	memcpy(rq->net.a, p + 22, 16);
	p += REQ_LEN;
	rq->reason = get_text(&p, end);
	rq->contact = get_text(&p, end);
	rq->client = get_text(&p, end);
	rq->decision = get_text(&p, end);
	rq->by = get_text(&p, end);
	return RB_OK;
}

static uint64_t
last_id(struct store_wr *w)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint64_t id = 0;

	if (mdb_cursor_open(w->txn, w->s->dbi[DB_REQUESTS], &cur) != 0)
		return 0;
	if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
		id = get64(k.mv_data);
	mdb_cursor_close(cur);
	return id;
}

static int
req_history(struct store_wr *w, const struct store_request *rq, uint8_t op, uint32_t what)
{
	struct hist_text t;
	char by[40];

	snprintf(by, sizeof(by), "request #%llu", (unsigned long long)rq->id);
	memset(&t, 0, sizeof(t));
	t.by = by;
	if (op == HISTORY_REQUEST) {
		t.source = rq->client;
		t.evidence = rq->contact;
	} else {
		t.reason = rq->decision;
		t.source = rq->by;
	}
	return history_add(w, rq->zone, &rq->net, op, op == HISTORY_REQUEST ? rq->at : w->now,
	    (uint32_t)rq->id, what, &t);
}

int
store_request_add(struct store_wr *w, struct store_request *rq)
{
	unsigned char kb[8], vb[REQ_LEN + REQ_NTEXT * (3 + STORE_REQ_MAX_TEXT)];
	size_t vlen;
	int rc;

	if (w->err != 0)
		return w->err;
	rq->id = last_id(w) + 1;
	put64(kb, rq->id);
	vlen = req_encode(vb, rq);
	if ((rc = wput(w, DB_REQUESTS, kb, 8, vb, vlen, MDB_NOOVERWRITE)) != 0)
		return rc;
	return sticky(w, req_history(w, rq, HISTORY_REQUEST, rq->policy));
}

int
store_request_decide(struct store_wr *w, uint64_t id, uint8_t state, const char *why,
    const char *by)
{
	unsigned char kb[8], vb[REQ_LEN + REQ_NTEXT * (3 + STORE_REQ_MAX_TEXT)];
	struct store_request rq;
	MDB_val v;
	size_t vlen;
	int rc;

	if (state != STORE_REQ_ACCEPTED && state != STORE_REQ_REJECTED)
		return -EINVAL;
	put64(kb, id);
	if ((rc = wget(w, DB_REQUESTS, kb, 8, &v)) != 0)
		return rc;
	if ((rc = req_decode(id, &v, &rq)) != 0)
		return rc;
	if (rq.state != STORE_REQ_PENDING && rq.state != STORE_REQ_RETEST)
		return RB_EPOLICY;
	rq.state = state;
	rq.decided = w->now;
	rq.decision = why;
	rq.by = by;
	/* Encoded before the write: rq's other texts point into the map. */
	vlen = req_encode(vb, &rq);
	if ((rc = wput(w, DB_REQUESTS, kb, 8, vb, vlen, 0)) != 0)
		return rc;
	rq.reason = rq.contact = rq.client = NULL;
	return sticky(w, req_history(w, &rq, HISTORY_DECISION, state));
}

int
store_request_get(struct store_reader *r, uint64_t id, struct store_request *out)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	int rc;

	put64(kb, id);
	if ((rc = mdb_get(r->txn, r->s->dbi[DB_REQUESTS], &k, &v)) != 0)
		return from_mdb(rc);
	return req_decode(id, &v, out);
}

int
store_request_walk(struct store_reader *r, store_request_cb cb, void *arg)
{
	struct store_request rq;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_cursor_open(r->txn, r->s->dbi[DB_REQUESTS], &cur)) != 0)
		return from_mdb(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 8 || req_decode(get64(k.mv_data), &v, &rq) != 0) {
			rc = RB_ESTORE;
			break;
		}
		if ((rc = cb(arg, &rq)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return RB_OK;
	return rc > 0 ? from_mdb(rc) : rc;
}

int
store_zone_listings(struct store_reader *r, uint16_t zone, uint64_t *n)
{
	unsigned char kb[3];
	MDB_val k = { 3, kb }, v;
	int rc;

	kb[0] = 'l';
	put16(kb + 1, zone);
	*n = 0;
	if ((rc = mdb_get(r->txn, r->s->dbi[DB_META], &k, &v)) == 0 && v.mv_size == 8)
		*n = get64(v.mv_data);
	return rc == MDB_NOTFOUND ? RB_OK : from_mdb(rc);
}
