/* rbldb ingest: chunks sorted by address, spilled to temporary runs and merged in one order. */
#include <sys/resource.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_sort.h"

static const struct addr *
op_net(const struct jsonl_op *op)
{
	return op->kind == JSONL_REPORT ? &op->report.net : &op->delist.net;
}

static void
sort_key(struct sort_key *k, const struct pending *p, uint32_t idx)
{
	const struct addr *a = op_net(&p->op);
	unsigned i;

	k->w[0] = (uint64_t)p->zi << 48 | (uint64_t)a->fam << 40;
	for (i = 0; i < 5; i++)
		k->w[0] |= (uint64_t)a->a[i] << (32 - 8 * i);
	k->w[1] = 0;
	for (i = 5; i < 13; i++)
		k->w[1] = k->w[1] << 8 | a->a[i];
	k->w[2] = (uint64_t)a->a[13] << 56 | (uint64_t)a->a[14] << 48 |
	    (uint64_t)a->a[15] << 40 | (uint64_t)a->plen << 32 | idx;
}

static int
sort_key_cmp(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;
	unsigned i;

	for (i = 0; i < 3; i++)
		if (x->w[i] != y->w[i])
			return x->w[i] < y->w[i] ? -1 : 1;
	return 0;
}

void
sort_chunk(const struct pending *p, struct sort_key *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sort_key(&keys[i], &p[i], (uint32_t)i);
	qsort(keys, n, sizeof(*keys), sort_key_cmp);
}

/*
 * A run's record: this header, then the texts it names (without their
 * NULs).  Only reports are spilled: a delisting ends the chunks before it.
 */
#define NO_TEXT UINT32_MAX
enum { F_HAS_AT = 1, F_HAS_LIFETIME = 2, F_FORCE = 4, F_IMPORTED = 8 };

struct spill_hdr {
	uint64_t w[3];		/* the sort key (struct sort_key), the chunk index cleared */
	uint64_t line;
	int64_t at;
	uint32_t zi, code, lifetime;
	uint32_t len[4];	/* reason, source, evidence, name; NO_TEXT = NULL */
	struct addr net;
	uint8_t flags;
};

static void
put_texts(struct spill_hdr *h, const char *const t[4])
{
	unsigned i;

	for (i = 0; i < 4; i++)
		h->len[i] = t[i] != NULL ? (uint32_t)strlen(t[i]) : NO_TEXT;
}

/* A record's order: its sort key, which the header starts with (the chunk index cleared). */
static int
spill_hdr_cmp(const void *a, const void *b)
{
	return sort_key_cmp(a, b);
}

void
spill_init(struct spill *s)
{
	struct rlimit rl;
	size_t max = SPILL_MAX_RUNS;

	runs_init(&s->rs, sizeof(struct spill_hdr), spill_hdr_cmp);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 2 < max)
		max = rl.rlim_cur / 2 > 2 ? (size_t)(rl.rlim_cur / 2) : 2;
	/* Fewer for tests, so that a small load takes several passes. */
	s->maxruns = runs_chunk("RBLDB_INGEST_MAX_RUNS", max);
}

int
spill_chunk(struct spill *s, struct pending *p, struct sort_key *keys, size_t n)
{
	struct spill_hdr h;
	const struct pending *q;
	const char *t[4];
	char *texts = NULL;
	size_t i, j, len, cap = 0;
	int err;

	if (s->rs.nruns == s->maxruns)
		return -E2BIG;
	err = runs_begin(&s->rs);
	sort_chunk(p, keys, n);
	for (i = 0; i < n; i++) {
		q = &p[KEY_INDEX(keys[i])];
		if (err == 0) {
			memset(&h, 0, sizeof(h));
			h.w[0] = keys[i].w[0];
			h.w[1] = keys[i].w[1];
			h.w[2] = keys[i].w[2] >> 32 << 32;
			h.line = q->line;
			h.at = q->op.report.at;
			h.zi = (uint32_t)q->zi;
			h.code = q->op.report.code;
			h.lifetime = q->op.report.lifetime;
			h.net = q->op.report.net;
			h.flags = (q->op.has_at ? F_HAS_AT : 0) |
			    (q->op.has_lifetime ? F_HAS_LIFETIME : 0) |
			    (q->op.force ? F_FORCE : 0) | (q->op.report.imported ? F_IMPORTED : 0);
			t[0] = q->op.report.reason;
			t[1] = q->op.report.source;
			t[2] = q->op.report.evidence;
			t[3] = q->op.report.name;
			put_texts(&h, t);
			/* The texts one after the other, their lengths in the header. */
			for (j = len = 0; j < 4; j++)
				len += h.len[j] != NO_TEXT ? h.len[j] : 0;
			if (len > cap) {
				char *b = realloc(texts, len);

				if (b == NULL)
					err = -ENOMEM;
				else {
					texts = b;
					cap = len;
				}
			}
			for (j = len = 0; j < 4 && err == 0; j++)
				if (h.len[j] != NO_TEXT && h.len[j] > 0) {
					memcpy(texts + len, t[j], h.len[j]);
					len += h.len[j];
				}
			if (err == 0)
				runs_put(&s->rs, &h, texts, len);
		}
		jsonl_op_fini((struct jsonl_op *)&q->op);
	}
	free(texts);
	/* A run cut short stays open till spill_discard, which the failed batch calls. */
	return err != 0 ? err : runs_end(&s->rs);
}

/* The merge's current line, its texts pointing into the record's bytes. */
struct spill_merge {
	struct runs_merge *m;
	struct pending cur;
	char *text;
	size_t textcap;
};

int
spill_merge_begin(struct spill *s, struct spill_merge **mp)
{
	struct spill_merge *m;

	if ((*mp = m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	return runs_merge_begin(&s->rs, &m->m);
}

int
spill_merge_next(struct spill_merge *m, struct pending **q)
{
	const struct spill_hdr *h;
	const void *hdr, *data;
	const char **t[4];
	char *at;
	size_t len, used = 0;
	unsigned i;
	int rc;

	if ((rc = runs_merge_next(m->m, &hdr, &data, &len)) != 1)
		return rc;
	h = hdr;
	memset(&m->cur, 0, sizeof(m->cur));
	m->cur.op.kind = JSONL_REPORT;
	m->cur.op.has_at = (h->flags & F_HAS_AT) != 0;
	m->cur.op.has_lifetime = (h->flags & F_HAS_LIFETIME) != 0;
	m->cur.op.force = (h->flags & F_FORCE) != 0;
	m->cur.op.report.imported = (h->flags & F_IMPORTED) != 0;
	m->cur.op.report.net = h->net;
	m->cur.op.report.at = h->at;
	m->cur.op.report.code = h->code;
	m->cur.op.report.lifetime = h->lifetime;
	m->cur.zi = h->zi;
	m->cur.line = h->line;
	t[0] = &m->cur.op.report.reason;
	t[1] = &m->cur.op.report.source;
	t[2] = &m->cur.op.report.evidence;
	t[3] = &m->cur.op.report.name;
	/* The record's texts lie back to back: each is copied out to end in a NUL. */
	if (len + 4 > m->textcap) {
		char *b = realloc(m->text, len + 4);

		if (b == NULL)
			return -ENOMEM;
		m->text = b;
		m->textcap = len + 4;
	}
	at = m->text;
	for (i = 0; i < 4; i++) {
		if (h->len[i] == NO_TEXT)
			continue;
		if (used + h->len[i] > len)
			return -EIO;
		memcpy(at, (const char *)data + used, h->len[i]);
		at[h->len[i]] = '\0';
		*t[i] = at;
		at += h->len[i] + 1;
		used += h->len[i];
	}
	*q = &m->cur;
	return 1;
}

void
spill_merge_end(struct spill *s, struct spill_merge *m)
{
	if (m != NULL) {
		runs_merge_end(&s->rs, m->m);
		free(m->text);
		free(m);
	} else {
		runs_discard(&s->rs);
	}
}

void
spill_discard(struct spill *s)
{
	runs_discard(&s->rs);
}
