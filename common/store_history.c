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

int
store_history(struct store_reader *r, const struct addr *net, store_history_cb cb,
    void *arg)
{
	unsigned char kb[KEY_MAX];
	MDB_cursor *cur;
	MDB_val k, v;
	struct history h;
	size_t klen;
	int rc;

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
		h.reason = hist_str(&p, end);
		h.source = hist_str(&p, end);
		h.evidence = hist_str(&p, end);
		h.by = hist_str(&p, end);
		if ((rc = cb(arg, &h)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND || rc == 0)
		return RB_OK;
	return rc < 0 ? rc : from_mdb(rc);
}

int
history_add(struct store_wr *w, uint16_t zone, const struct addr *net, uint8_t op,
    int64_t at, uint32_t code, uint32_t lifetime, const struct hist_text *t)
{
	unsigned char kb[KEY_MAX], vb[27 + 4 * (3 + STORE_MAX_TEXT)];
	const char *strs[4] = { t->reason, t->source, t->evidence, t->by };
	size_t klen, vlen = 27;
	unsigned i;

	klen = addr_key(kb, net);
	put64(kb + klen, ++w->hist_seq);
	put64(vb, (uint64_t)at);
	put64(vb + 8, (uint64_t)w->now);
	put16(vb + 16, zone);
	vb[18] = op;
	put32(vb + 19, code);
	put32(vb + 23, lifetime);
	for (i = 0; i < 4; i++) {
		size_t n = strs[i] ? strlen(strs[i]) : 0;

		if (n > STORE_MAX_TEXT)
			n = STORE_MAX_TEXT;
		/* Stored with their NUL so readers get C strings from the map. */
		put16(vb + vlen, (uint16_t)(n ? n + 1 : 0));
		memcpy(vb + vlen + 2, strs[i] ? strs[i] : "", n);
		if (n > 0)
			vb[vlen + 2 + n++] = '\0';
		vlen += 2 + n;
	}
	return wput(w, DB_HISTORY, kb, klen + 8, vb, vlen, 0);
}
