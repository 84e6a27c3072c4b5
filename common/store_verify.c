/* Relay tests' jobs (SPEC "Relay verification"): the queue, each address's latest test, the evidence. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

static const char *const state_names[] = {
	"?", "pending", "testing", "confirmed", "closed", "inconclusive",
};
static const char *const trigger_names[] = { "?", "report", "retest", "operator" };

const char *
verify_state_name(unsigned state)
{
	return state < sizeof(state_names) / sizeof(*state_names) ? state_names[state] : "?";
}

const char *
verify_trigger_name(unsigned trigger)
{
	return trigger < sizeof(trigger_names) / sizeof(*trigger_names) ?
	    trigger_names[trigger] : "?";
}

static size_t
job_key(unsigned char *k, uint64_t id)
{
	k[0] = 'j';
	put64(k + 1, id);
	return 9;
}

static size_t
queue_key(unsigned char *k, int64_t due, uint64_t id)
{
	k[0] = 'q';
	put64(k + 1, (uint64_t)due);
	put64(k + 9, id);
	return 17;
}

static size_t
latest_key(unsigned char *k, uint16_t zone, const struct addr *a)
{
	k[0] = 'a';
	put16(k + 1, zone);
	k[3] = a->fam;
	memcpy(k + 4, a->a, 16);
	return 20;
}

static size_t
byaddr_key(unsigned char *k, const struct addr *a, uint64_t id)
{
	k[0] = 'x';
	k[1] = a->fam;
	memcpy(k + 2, a->a, 16);
	put64(k + 18, id);
	return 26;
}

static unsigned char *
put_str(unsigned char *p, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n > 0xffff)
		n = 0xffff;
	put16(p, (uint16_t)n);
	memcpy(p + 2, s != NULL ? s : "", n);
	return p + 2 + n;
}

/* The job's value in a new buffer (free it); NULL when out of memory. */
static unsigned char *
job_encode(const struct verify_job *j, size_t *len)
{
	const char *strs[4] = { j->reason, j->source, j->connect, j->note };
	size_t n = VJOB_HDR_LEN + 4 + j->transcript_len + 4 + j->received_len;
	unsigned char *b, *p;
	unsigned i;

	for (i = 0; i < 4; i++)
		n += 2 + (strs[i] != NULL ? strlen(strs[i]) : 0);
	if ((b = calloc(1, n)) == NULL)
		return NULL;
	put16(b, j->zone);
	b[2] = j->addr.fam;
	b[3] = j->addr.plen;
	memcpy(b + 4, j->addr.a, 16);
	b[20] = j->state;
	b[21] = j->trigger;
	b[22] = j->form;
	put64(b + 24, (uint64_t)j->created);
	put64(b + 32, (uint64_t)j->due);
	put64(b + 40, (uint64_t)j->started);
	put64(b + 48, (uint64_t)j->sent);
	put64(b + 56, (uint64_t)j->finished);
	put64(b + 64, (uint64_t)j->report_at);
	put64(b + 72, (uint64_t)j->cookie_time);
	put32(b + 80, j->code);
	put32(b + 84, j->lifetime);
	p = b + VJOB_HDR_LEN;
	for (i = 0; i < 4; i++)
		p = put_str(p, strs[i]);
	put32(p, (uint32_t)j->transcript_len);
	if (j->transcript_len > 0)
		memcpy(p + 4, j->transcript, j->transcript_len);
	p += 4 + j->transcript_len;
	if (j->received_len > 0) {
		put32(p, (uint32_t)j->received_len);
		memcpy(p + 4, j->received, j->received_len);
		p += 4 + j->received_len;
	}
	*len = (size_t)(p - b);
	return b;
}

/*
 * Strings are stored without their NUL; the decoder copies them into one
 * static buffer, valid until the next decode.  Only rbldb and rbldb-verify
 * read jobs, each in one thread; rbldbd never does (and a thread-local
 * buffer would cost each of its workers the buffer's size).
 */
static const char *
get_str(const unsigned char **p, const unsigned char *end, char **dst, char *dend)
{
	size_t n;
	char *s = *dst;

	if (end - *p < 2)
		return NULL;
	n = get16(*p);
	if ((size_t)(end - *p - 2) < n || (size_t)(dend - s) < n + 1)
		return NULL;
	memcpy(s, *p + 2, n);
	s[n] = '\0';
	*p += 2 + n;
	*dst = s + n + 1;
	return n > 0 ? s : NULL;
}

/*
 * Decode V into *J.  Short texts are copied into the reader's scratch
 * (valid until the next decode on that reader); the transcript points into
 * the snapshot.
 */
static int
job_decode(uint64_t id, const MDB_val *v, struct verify_job *j)
{
	static char scratch[4 * (0xffff + 1)];
	const unsigned char *b = v->mv_data, *p, *end = b + v->mv_size;
	char *dst = scratch;

	if (v->mv_size < VJOB_HDR_LEN + 12)
		return RB_ESTORE;
	memset(j, 0, sizeof(*j));
	j->id = id;
	j->zone = get16(b);
	j->addr.fam = b[2];
	j->addr.plen = b[3];
	memcpy(j->addr.a, b + 4, 16);
	j->state = b[20];
	j->trigger = b[21];
	j->form = b[22];
	j->created = (int64_t)get64(b + 24);
	j->due = (int64_t)get64(b + 32);
	j->started = (int64_t)get64(b + 40);
	j->sent = (int64_t)get64(b + 48);
	j->finished = (int64_t)get64(b + 56);
	j->report_at = (int64_t)get64(b + 64);
	j->cookie_time = (int64_t)get64(b + 72);
	j->code = get32(b + 80);
	j->lifetime = get32(b + 84);
	p = b + VJOB_HDR_LEN;
	j->reason = get_str(&p, end, &dst, scratch + sizeof(scratch));
	j->source = get_str(&p, end, &dst, scratch + sizeof(scratch));
	j->connect = get_str(&p, end, &dst, scratch + sizeof(scratch));
	j->note = get_str(&p, end, &dst, scratch + sizeof(scratch));
	if (end - p < 4 || (size_t)(end - p - 4) < get32(p))
		return RB_ESTORE;
	j->transcript_len = get32(p);
	j->transcript = j->transcript_len ? (const char *)p + 4 : NULL;
	p += 4 + j->transcript_len;
	if (end - p >= 4) {
		if ((size_t)(end - p - 4) < get32(p))
			return RB_ESTORE;
		j->received_len = get32(p);
		j->received = j->received_len ? (const char *)p + 4 : NULL;
	}
	return RB_OK;
}

int
store_verify_get(struct store_reader *r, uint64_t id, struct verify_job *out)
{
	unsigned char kb[9];
	MDB_val k = { job_key(kb, id), kb }, v;
	int rc = mdb_get(r->txn, r->s->dbi[DB_VERIFY], &k, &v);

	if (rc != 0)
		return from_mdb(rc);
	return job_decode(id, &v, out);
}

static int
note_history(struct store_wr *w, const struct verify_job *j)
{
	char reason[128], evidence[256];
	struct hist_text t = { reason, j->source, evidence, NULL };

	snprintf(reason, sizeof(reason), "relay test %s", verify_state_name(j->state));
	snprintf(evidence, sizeof(evidence), "job %llu (%s)%s%s",
	    (unsigned long long)j->id, verify_trigger_name(j->trigger),
	    j->note != NULL ? ": " : "", j->note != NULL ? j->note : "");
	return history_add(w, j->zone, &j->addr, HISTORY_VERIFY, w->now, j->code, j->lifetime,
	    &t);
}

static int
write_job(struct store_wr *w, const struct verify_job *j)
{
	unsigned char kb[9], *vb;
	size_t vlen;
	int rc;

	if ((vb = job_encode(j, &vlen)) == NULL)
		return sticky(w, -ENOMEM);
	rc = wput(w, DB_VERIFY, kb, job_key(kb, j->id), vb, vlen, 0);
	free(vb);
	return rc;
}

int
store_verify_add(struct store_wr *w, struct verify_job *j)
{
	unsigned char kb[32], vb[12];
	MDB_val v;
	uint64_t id = 1;
	uint32_t dl = 0;
	int rc;

	if ((rc = wget(w, DB_VERIFY, "n", 1, &v)) == RB_OK && v.mv_size == 8)
		id = get64(v.mv_data);
	else if (rc != RB_OK && rc != RB_ENOTFOUND)
		return rc;
	j->id = id;
	put64(vb, id + 1);
	if ((rc = wput(w, DB_VERIFY, "n", 1, vb, 8, 0)) != 0)
		return rc;
	if (wget(w, DB_VERIFY, kb, latest_key(kb, j->zone, &j->addr), &v) == RB_OK &&
	    v.mv_size == 12)
		dl = get32((const unsigned char *)v.mv_data + 8);
	put64(vb, id);
	put32(vb + 8, dl);
	if ((rc = wput(w, DB_VERIFY, kb, latest_key(kb, j->zone, &j->addr), vb, 12, 0)) != 0 ||
	    (rc = wput(w, DB_VERIFY, kb, byaddr_key(kb, &j->addr, id), "", 0, 0)) != 0)
		return rc;
	if (j->state == VERIFY_PENDING &&
	    (rc = wput(w, DB_VERIFY, kb, queue_key(kb, j->due, id), "", 0, 0)) != 0)
		return rc;
	if ((rc = write_job(w, j)) != 0)
		return rc;
	return note_history(w, j);
}

int
store_verify_put(struct store_wr *w, const struct verify_job *j)
{
	unsigned char kb[32];
	uint8_t old_state;
	int64_t old_due;
	MDB_val v;
	int rc;

	/* Only the fixed part is read: J's texts may point into the decoder's scratch. */
	if ((rc = wget(w, DB_VERIFY, kb, job_key(kb, j->id), &v)) != 0)
		return rc;
	if (v.mv_size < VJOB_HDR_LEN)
		return sticky(w, RB_ESTORE);
	old_state = ((const unsigned char *)v.mv_data)[20];
	old_due = (int64_t)get64((const unsigned char *)v.mv_data + 32);
	if (old_state == VERIFY_PENDING &&
	    (rc = wdel(w, DB_VERIFY, kb, queue_key(kb, old_due, j->id))) != 0)
		return rc;
	if (j->state == VERIFY_PENDING &&
	    (rc = wput(w, DB_VERIFY, kb, queue_key(kb, j->due, j->id), "", 0, 0)) != 0)
		return rc;
	if ((rc = write_job(w, j)) != 0)
		return rc;
	return old_state != j->state ? note_history(w, j) : RB_OK;
}

int
store_verify_latest(struct store_reader *r, uint16_t zone, const struct addr *a,
    struct verify_job *out, uint32_t *delistings)
{
	unsigned char kb[32];
	MDB_val k = { latest_key(kb, zone, a), kb }, v;
	int rc = mdb_get(r->txn, r->s->dbi[DB_VERIFY], &k, &v);

	if (rc != 0)
		return from_mdb(rc);
	if (v.mv_size != 12)
		return RB_ESTORE;
	if (delistings != NULL)
		*delistings = get32((const unsigned char *)v.mv_data + 8);
	return out != NULL ? store_verify_get(r, get64(v.mv_data), out) : RB_OK;
}

int
store_verify_count_delisting(struct store_wr *w, uint16_t zone, const struct addr *a)
{
	unsigned char kb[32], vb[12];
	MDB_val v;
	int rc;

	if ((rc = wget(w, DB_VERIFY, kb, latest_key(kb, zone, a), &v)) != 0)
		return rc;
	if (v.mv_size != 12)
		return sticky(w, RB_ESTORE);
	memcpy(vb, v.mv_data, 12);
	put32(vb + 8, get32(vb + 8) + 1);
	return wput(w, DB_VERIFY, kb, 20, vb, 12, 0);
}

/* Walk keys starting with PREFIX (PLEN octets): CB gets each job id the key ends with. */
static int
walk(struct store_reader *r, const unsigned char *prefix, size_t plen,
    int (*cb)(struct store_reader *, uint64_t, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc;

	if ((rc = mdb_cursor_open(r->txn, r->s->dbi[DB_VERIFY], &cur)) != 0)
		return from_mdb(rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size < plen + 8 || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		/* A callback's non-zero return stops the walk and is returned as it is. */
		if ((rc = cb(r, get64((const unsigned char *)k.mv_data + k.mv_size - 8),
		    arg)) != 0) {
			mdb_cursor_close(cur);
			return rc;
		}
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND || rc == 0 ? RB_OK : from_mdb(rc);
}

struct next_arg {
	int64_t now;
	store_verify_skip skip;
	void *arg;
	struct verify_job *out;
	bool found;
};

static int
next_cb(struct store_reader *r, uint64_t id, void *arg)
{
	struct next_arg *a = arg;
	int rc;

	if ((rc = store_verify_get(r, id, a->out)) != 0)
		return rc;
	if (a->out->due > a->now)
		return 1;
	if (a->skip != NULL && a->skip(a->arg, a->out))
		return 0;
	a->found = true;
	return 1;
}

int
store_verify_next(struct store_reader *r, int64_t now, store_verify_skip skip, void *arg,
    struct verify_job *out)
{
	struct next_arg a = { now, skip, arg, out, false };
	int rc = walk(r, (const unsigned char *)"q", 1, next_cb, &a);

	if (rc > 0)
		rc = RB_OK;

	if (rc < 0)
		return rc;
	return a.found ? RB_OK : RB_ENOTFOUND;
}

struct each_arg {
	store_verify_cb cb;
	void *arg;
	unsigned state;
};

static int
each_cb(struct store_reader *r, uint64_t id, void *arg)
{
	struct each_arg *a = arg;
	struct verify_job j;
	int rc;

	if ((rc = store_verify_get(r, id, &j)) != 0)
		return rc;
	if (a->state != 0 && j.state != a->state)
		return 0;
	return a->cb(a->arg, &j);
}

int
store_verify_foreach(struct store_reader *r, const struct addr *a, store_verify_cb cb,
    void *arg)
{
	unsigned char kb[32];
	struct each_arg ea = { cb, arg, 0 };

	byaddr_key(kb, a, 0);
	return walk(r, kb, 18, each_cb, &ea);
}

int
store_verify_foreach_state(struct store_reader *r, unsigned state, store_verify_cb cb,
    void *arg)
{
	struct each_arg ea = { cb, arg, state };

	return walk(r, (const unsigned char *)"j", 1, each_cb, &ea);
}
