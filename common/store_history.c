/* The audit history: one record per change of an address, read back by show. */

#include <string.h>

#include "rb.h"
#include "store_impl.h"

static const char *
hist_str(const unsigned char **p, const unsigned char *end)
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

/*
 * A compact record's text: its id in strings, copied with a NUL into BUF
 * (texts are stored without one).  NULL for id 0 or a text that is gone.
 */
static const char *
hist_text(struct store_reader *r, uint32_t id, char *buf)
{
	const char *t;
	size_t n;

	if (store_text(r, id, &t, &n) != 0)
		return NULL;
	if (n > STORE_MAX_TEXT)
		n = STORE_MAX_TEXT;
	memcpy(buf, t, n);
	buf[n] = '\0';
	return buf;
}

/* The texts of a record: compact (HIST_OP_IDS, four ids) or inline (version 4 and before). */
static int
hist_texts(struct store_reader *r, struct history *h, const unsigned char *p,
    const unsigned char *end, char (*buf)[STORE_MAX_TEXT + 1])
{
	if (!(h->op & HIST_OP_IDS)) {
		h->reason = hist_str(&p, end);
		h->source = hist_str(&p, end);
		h->evidence = hist_str(&p, end);
		h->by = hist_str(&p, end);
		return RB_OK;
	}
	if (end - p < 16)
		return RB_ESTORE;
	h->op &= (uint8_t)~HIST_OP_IDS;
	h->reason = hist_text(r, get32(p), buf[0]);
	h->source = hist_text(r, get32(p + 4), buf[1]);
	h->evidence = hist_text(r, get32(p + 8), buf[2]);
	h->by = hist_text(r, get32(p + 12), buf[3]);
	return RB_OK;
}

/* Zones whose compact entries one history walk merges in (one per zone at most). */
#define COMPACT_HIST_MAX 64

static int
pend_emit(struct store_reader *r, struct compact_hist *c, store_history_cb cb, void *arg,
    char texts[4][STORE_MAX_TEXT + 1])
{
	c->h.reason = hist_text(r, c->ids[0], texts[0]);
	c->h.source = hist_text(r, c->ids[1], texts[1]);
	c->h.evidence = hist_text(r, c->ids[2], texts[2]);
	c->h.by = hist_text(r, c->ids[3], texts[3]);
	return cb(arg, &c->h);
}

int
store_history(struct store_reader *r, const struct addr *net, store_history_cb cb,
    void *arg)
{
	static __thread char texts[4][STORE_MAX_TEXT + 1];
	unsigned char kb[KEY_MAX];
	MDB_cursor *cur;
	MDB_val k, v;
	struct history h;
	struct compact_hist pend[COMPACT_HIST_MAX];
	size_t klen, npend, ipend = 0;
	int rc;

	/* The records compact entries stand for, merged in by seq (store_compact.c). */
	npend = compact_history(r, net, pend, COMPACT_HIST_MAX);
	klen = addr_key(kb, net);
	if ((rc = mdb_cursor_open(r->txn, r->s->dbi[DB_HISTORY], &cur)) != 0)
		return from_mdb(rc);
	k.mv_size = klen;
	k.mv_data = kb;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == klen + 8 && memcmp(k.mv_data, kb, klen) == 0) {
		const unsigned char *p = v.mv_data, *end = p + v.mv_size;

		if (v.mv_size < 27) {
			rc = RB_ESTORE;
			break;
		}
		memset(&h, 0, sizeof(h));
		h.net = *net;
		h.at = (int64_t)get64(p);
		h.recorded = (int64_t)get64(p + 8);
		h.zone = get16(p + 16);
		h.op = p[18];
		h.code = get32(p + 19);
		h.lifetime = get32(p + 23);
		p += 27;
		while (ipend < npend && pend[ipend].seq < get64((const unsigned char *)k.mv_data +
		    klen) && (rc = pend_emit(r, &pend[ipend++], cb, arg, texts)) == 0)
			;
		if (rc != 0 || (rc = hist_texts(r, &h, p, end, texts)) != 0 || (rc = cb(arg, &h)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		rc = 0;
	while (rc == 0 && ipend < npend)
		rc = pend_emit(r, &pend[ipend++], cb, arg, texts);
	if (rc == 0)
		return RB_OK;
	return rc < 0 ? rc : from_mdb(rc);
}

/*
 * One record per change of an address.  Since version 8 its texts are ids
 * into strings (HIST_OP_IDS): a feed repeats a few hundred reasons and
 * sources over millions of addresses, and each record then costs 43
 * octets of value instead of the texts again (issue 23).
 */
int
history_add(struct store_wr *w, uint16_t zone, const struct addr *net, uint8_t op,
    int64_t at, uint32_t code, uint32_t lifetime, const struct hist_text *t)
{
	unsigned char kb[KEY_MAX], vb[HIST_IDS_LEN];
	const char *strs[4] = { t->reason, t->source, t->evidence, t->by };
	size_t klen;
	unsigned i;
	int rc;

	klen = addr_key(kb, net);
	put64(kb + klen, ++w->hist_seq);
	put64(vb, (uint64_t)at);
	put64(vb + 8, (uint64_t)w->now);
	put16(vb + 16, zone);
	vb[18] = op | HIST_OP_IDS;
	put32(vb + 19, code);
	put32(vb + 23, lifetime);
	for (i = 0; i < 4; i++) {
		uint32_t id = 0;
		char cut[STORE_MAX_TEXT + 1];
		const char *s = strs[i];

		if (s != NULL && strlen(s) > STORE_MAX_TEXT) {
			memcpy(cut, s, STORE_MAX_TEXT);
			cut[STORE_MAX_TEXT] = '\0';
			s = cut;
		}
		if ((rc = intern(w, s, &id)) != 0)
			return rc;
		put32(vb + 27 + 4 * i, id);
	}
	return wput(w, DB_HISTORY, kb, klen + 8, vb, HIST_IDS_LEN, 0);
}
