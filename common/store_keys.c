/* Query keys of keyed access: labels by keyed hash, constant-time compare, add/disable/remove. */
#include <sys/random.h>

#include <errno.h>
#include <string.h>

#include "rb.h"
#include "store_impl.h"

static const MDB_val secret_key = { 9, "keysecret" };

/* ---- SipHash-2-4 (Aumasson, Bernstein), for the keys' hash ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t
siphash(const uint8_t key[16], const uint8_t *in, size_t len)
{
	uint64_t k0 = le64(key), k1 = le64(key + 8);
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND; SIPROUND;
		v0 ^= m;
	}
	for (; left > 0; left--)
		b |= (uint64_t)in[i + left - 1] << (8 * (left - 1));
	v3 ^= b;
	SIPROUND; SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND; SIPROUND; SIPROUND; SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- The secret ---- */

int
keys_secret_init(struct store *s, MDB_txn *txn)
{
	MDB_val k = secret_key, v;
	int rc;

	if (mdb_get(txn, s->dbi[DB_META], &k, &v) == 0 && v.mv_size == KEYSECRET_LEN)
		return RB_OK;
	if (getrandom(s->keysecret, sizeof(s->keysecret), 0) != (ssize_t)sizeof(s->keysecret))
		return -errno;
	v.mv_size = KEYSECRET_LEN;
	v.mv_data = s->keysecret;
	if ((rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0)) != 0)
		return from_mdb(rc);
	return RB_OK;
}

int
keys_secret_load(struct store *s, MDB_txn *txn)
{
	MDB_val k = secret_key, v;

	if (mdb_get(txn, s->dbi[DB_META], &k, &v) != 0 || v.mv_size != KEYSECRET_LEN)
		return RB_ENOTFOUND;
	memcpy(s->keysecret, v.mv_data, KEYSECRET_LEN);
	return RB_OK;
}

/* ---- Labels ---- */

bool
store_key_label_ok(const char *label, size_t len)
{
	size_t i;

	if (len < STORE_KEY_MIN || len > STORE_KEY_MAX || label[0] == '-' || label[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!((label[i] >= 'a' && label[i] <= 'z') || (label[i] >= '0' && label[i] <= '9') ||
		    label[i] == '-'))
			return false;
	return true;
}

/* LABEL folded to lower case into a NUL-padded buffer of STORE_KEY_MAX + 1. */
static void
fold(uint8_t out[STORE_KEY_MAX + 1], const uint8_t *label, size_t len)
{
	size_t i;

	memset(out, 0, STORE_KEY_MAX + 1);
	for (i = 0; i < len && i < STORE_KEY_MAX; i++)
		out[i] = label[i] >= 'A' && label[i] <= 'Z' ? label[i] + 32 : label[i];
}

uint64_t
store_key_hash(const struct store *s, const uint8_t *label, size_t len)
{
	uint8_t f[STORE_KEY_MAX + 1];

	fold(f, label, len);
	return siphash(s->keysecret, f, len);
}

/* ---- Records ---- */

/* Fill OUT from the record V; the customer only with CUSTOMER. */
static int
decode(const MDB_val *v, uint64_t hash, bool customer, struct store_key *out)
{
	const unsigned char *p = v->mv_data;
	size_t clen, n;
	unsigned i;

	if (v->mv_size < KEYREC_LEN + 2)
		return RB_ESTORE;
	clen = get16(p + KEYREC_LEN);
	out->disabled = p[0] & KEY_F_DISABLED;
	out->nzones = get16(p + 2);
	if (out->nzones > STORE_KEY_MAX_ZONES || p[1] > STORE_KEY_MAX ||
	    v->mv_size < KEYREC_LEN + 2 + clen + 2 * (size_t)out->nzones)
		return RB_ESTORE;
	out->qps = get32(p + 4);
	out->daily = get32(p + 8);
	out->created = (int64_t)get64(p + 12);
	memcpy(out->label, p + 20, p[1]);
	out->label[p[1]] = '\0';
	out->customer[0] = '\0';
	if (customer) {
		n = clen > STORE_KEY_MAX_CUSTOMER ? STORE_KEY_MAX_CUSTOMER : clen;
		memcpy(out->customer, p + KEYREC_LEN + 2, n);
		out->customer[n] = '\0';
	}
	for (i = 0; i < out->nzones; i++)
		out->zones[i] = get16(p + KEYREC_LEN + 2 + clen + 2 * i);
	out->hash = hash;
	return RB_OK;
}

int
store_key_find(struct store_reader *r, const uint8_t *label, size_t len, struct store_key *out)
{
	uint8_t f[STORE_KEY_MAX + 1], kb[8];
	const uint8_t *stored;
	MDB_val k = { 8, kb }, v;
	uint64_t h;
	unsigned diff = 0;
	size_t i;
	int rc;

	if (len < STORE_KEY_MIN || len > STORE_KEY_MAX)
		return RB_ENOTFOUND;
	fold(f, label, len);
	h = siphash(r->s->keysecret, f, len);
	put64(kb, h);
	if ((rc = mdb_get(r->txn, r->s->dbi[DB_KEYS], &k, &v)) != 0)
		return from_mdb(rc);
	if (v.mv_size < KEYREC_LEN + 2)
		return RB_ESTORE;
	/* The whole padded label, whatever differs first: no timing says how much matched. */
	stored = (const uint8_t *)v.mv_data + 20;
	diff = ((const uint8_t *)v.mv_data)[1] ^ (unsigned)len;
	for (i = 0; i < STORE_KEY_MAX + 1; i++)
		diff |= stored[i] ^ f[i];
	if (diff != 0)
		return RB_ENOTFOUND;
	return decode(&v, h, false, out);
}

bool
store_key_allows(const struct store_key *k, uint16_t zone)
{
	unsigned i;

	if (k->nzones == 0)
		return true;
	for (i = 0; i < k->nzones; i++)
		if (k->zones[i] == zone)
			return true;
	return false;
}

int
store_key_get(struct store_reader *r, const char *label, struct store_key *out)
{
	uint8_t kb[8];
	MDB_val k = { 8, kb }, v;
	uint64_t h;
	size_t len = strlen(label);
	int rc;

	if (!store_key_label_ok(label, len))
		return RB_ENOTFOUND;
	h = store_key_hash(r->s, (const uint8_t *)label, len);
	put64(kb, h);
	if ((rc = mdb_get(r->txn, r->s->dbi[DB_KEYS], &k, &v)) != 0)
		return from_mdb(rc);
	if ((rc = decode(&v, h, true, out)) != 0)
		return rc;
	return strcmp(out->label, label) == 0 ? RB_OK : RB_ENOTFOUND;
}

int
store_key_walk(struct store_reader *r, store_key_cb cb, void *arg)
{
	struct store_key key;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, op = MDB_FIRST;

	if ((rc = mdb_cursor_open(r->txn, r->s->dbi[DB_KEYS], &c)) != 0)
		return from_mdb(rc);
	while ((rc = mdb_cursor_get(c, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		if (k.mv_size != 8)
			continue;
		if ((rc = decode(&v, get64(k.mv_data), true, &key)) != 0 ||
		    (rc = cb(arg, &key)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? RB_OK : rc > 0 ? from_mdb(rc) : rc;
}

int
store_key_add(struct store_wr *w, const struct store_key *key)
{
	unsigned char kb[8], buf[KEYREC_LEN + 2 + STORE_KEY_MAX_CUSTOMER + 2 * STORE_KEY_MAX_ZONES];
	size_t len = strlen(key->label), clen = strlen(key->customer), off;
	MDB_val k = { 8, kb }, v;
	unsigned i;
	int rc;

	if (!store_key_label_ok(key->label, len) || clen > STORE_KEY_MAX_CUSTOMER ||
	    key->nzones > STORE_KEY_MAX_ZONES)
		return RB_ESYNTAX;
	put64(kb, store_key_hash(w->s, (const uint8_t *)key->label, len));
	if (mdb_get(w->txn, w->s->dbi[DB_KEYS], &k, &v) == 0)
		return RB_EPOLICY;	/* the label, or (never seen) another with its hash */
	memset(buf, 0, sizeof(buf));
	buf[0] = key->disabled ? KEY_F_DISABLED : 0;
	buf[1] = (unsigned char)len;
	put16(buf + 2, key->nzones);
	put32(buf + 4, key->qps);
	put32(buf + 8, key->daily);
	put64(buf + 12, (uint64_t)key->created);
	memcpy(buf + 20, key->label, len);
	put16(buf + KEYREC_LEN, (uint16_t)clen);
	memcpy(buf + KEYREC_LEN + 2, key->customer, clen);
	off = KEYREC_LEN + 2 + clen;
	for (i = 0; i < key->nzones; i++, off += 2)
		put16(buf + off, key->zones[i]);
	v.mv_size = off;
	v.mv_data = buf;
	if ((rc = mdb_put(w->txn, w->s->dbi[DB_KEYS], &k, &v, 0)) != 0)
		return w->err = from_mdb(rc);
	return RB_OK;
}

/* The record of LABEL, for a change: its key into KB, *V in the map. */
static int
find_label(struct store_wr *w, const char *label, unsigned char kb[8], MDB_val *v)
{
	struct store_key key;
	MDB_val k = { 8, kb };
	size_t len = strlen(label);
	int rc;

	if (!store_key_label_ok(label, len))
		return RB_ENOTFOUND;
	put64(kb, store_key_hash(w->s, (const uint8_t *)label, len));
	if ((rc = mdb_get(w->txn, w->s->dbi[DB_KEYS], &k, v)) != 0)
		return from_mdb(rc);
	if ((rc = decode(v, 0, false, &key)) != 0)
		return rc;
	return strcmp(key.label, label) == 0 ? RB_OK : RB_ENOTFOUND;
}

int
store_key_set_disabled(struct store_wr *w, const char *label, bool disabled)
{
	unsigned char kb[8], buf[KEYREC_LEN + 2 + STORE_KEY_MAX_CUSTOMER + 2 * STORE_KEY_MAX_ZONES];
	MDB_val k = { 8, kb }, v;
	int rc;

	if ((rc = find_label(w, label, kb, &v)) != 0)
		return rc;
	if (v.mv_size > sizeof(buf))
		return RB_ESTORE;
	memcpy(buf, v.mv_data, v.mv_size);
	buf[0] = (unsigned char)(disabled ? buf[0] | KEY_F_DISABLED : buf[0] & ~KEY_F_DISABLED);
	v.mv_data = buf;
	if ((rc = mdb_put(w->txn, w->s->dbi[DB_KEYS], &k, &v, 0)) != 0)
		return w->err = from_mdb(rc);
	return RB_OK;
}

int
store_key_remove(struct store_wr *w, const char *label)
{
	unsigned char kb[8];
	MDB_val k = { 8, kb }, v;
	int rc;

	MDB_cursor *c;
	unsigned char ub[12];
	MDB_val uk = { 12, ub }, uv;

	if ((rc = find_label(w, label, kb, &v)) != 0)
		return rc;
	if ((rc = mdb_del(w->txn, w->s->dbi[DB_KEYS], &k, NULL)) != 0)
		return w->err = from_mdb(rc);
	/* Its usage rows follow it in key order: hash(8) day(4). */
	if ((rc = mdb_cursor_open(w->txn, w->s->dbi[DB_KEYS], &c)) != 0)
		return w->err = from_mdb(rc);
	memcpy(ub, kb, 8);
	memset(ub + 8, 0, 4);
	rc = mdb_cursor_get(c, &uk, &uv, MDB_SET_RANGE);
	while (rc == 0 && uk.mv_size == 12 && memcmp(uk.mv_data, kb, 8) == 0) {
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		/* After a delete, LMDB's MDB_NEXT reads the item now under the cursor. */
		rc = mdb_cursor_get(c, &uk, &uv, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return w->err = from_mdb(rc);
	return RB_OK;
}

int
store_key_usage_add(struct store_wr *w, uint64_t hash, const struct store_key_usage *u)
{
	unsigned char kb[12], vb[24];
	MDB_val k = { 12, kb }, v;
	uint64_t q = 0, h = 0, r = 0;
	int rc;

	put64(kb, hash);
	put32(kb + 8, u->day);
	if (mdb_get(w->txn, w->s->dbi[DB_KEYS], &k, &v) == 0 && v.mv_size == 24) {
		q = get64(v.mv_data);
		h = get64((unsigned char *)v.mv_data + 8);
		r = get64((unsigned char *)v.mv_data + 16);
	}
	put64(vb, q + u->queries);
	put64(vb + 8, h + u->hits);
	put64(vb + 16, r + u->refusals);
	v.mv_size = 24;
	v.mv_data = vb;
	if ((rc = mdb_put(w->txn, w->s->dbi[DB_KEYS], &k, &v, 0)) != 0)
		return w->err = from_mdb(rc);
	return RB_OK;
}

int
store_key_usage_walk(struct store_reader *r, uint64_t hash, uint32_t from,
    store_key_usage_cb cb, void *arg)
{
	struct store_key_usage u;
	unsigned char kb[12];
	MDB_val k = { 12, kb }, v;
	MDB_cursor *c;
	int rc;

	if ((rc = mdb_cursor_open(r->txn, r->s->dbi[DB_KEYS], &c)) != 0)
		return from_mdb(rc);
	put64(kb, hash);
	put32(kb + 8, from);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != 12 || get64(k.mv_data) != hash || v.mv_size != 24)
			break;
		u.day = get32((unsigned char *)k.mv_data + 8);
		u.queries = get64(v.mv_data);
		u.hits = get64((unsigned char *)v.mv_data + 8);
		u.refusals = get64((unsigned char *)v.mv_data + 16);
		if ((rc = cb(arg, &u)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? RB_OK : rc > 0 ? from_mdb(rc) : rc;
}

/* SipHash-2-4 of IN under KEY, for the keys of names (store_names.c). */
uint64_t
keys_siphash(const uint8_t key[16], const uint8_t *in, size_t len)
{
	return siphash(key, in, len);
}
