/* rbldb ingest: chunks sorted by address, spilled to temporary runs and merged in one order. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	uint64_t w[3];		/* the sort key, the chunk index cleared */
	uint64_t line;
	int64_t at;
	uint32_t zi, code, lifetime;
	uint32_t len[4];	/* reason, source, evidence, name; NO_TEXT = NULL */
	struct addr net;
	uint8_t flags;
};

/* An unlinked file in $TMPDIR (or /tmp): nothing is left behind, whatever ends the load. */
static FILE *
temp_file(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	FILE *f;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) < 0) {
		snprintf(path, sizeof(path), "%s/rbldb-ingest-XXXXXX", dir);
		if ((fd = mkstemp(path)) < 0)
			return NULL;
		unlink(path);
	}
	if ((f = fdopen(fd, "w+")) == NULL)
		close(fd);
	return f;
}

static void
put_texts(struct spill_hdr *h, const char *const t[4])
{
	unsigned i;

	for (i = 0; i < 4; i++)
		h->len[i] = t[i] != NULL ? (uint32_t)strlen(t[i]) : NO_TEXT;
}

int
spill_chunk(struct spill *s, struct pending *p, struct sort_key *keys, size_t n)
{
	struct spill_hdr h;
	const struct pending *q;
	const char *t[4];
	FILE *f;
	size_t i, j;
	int err = 0;

	if (s->nruns == SPILL_MAX_RUNS)
		return -E2BIG;
	if ((f = temp_file()) == NULL)
		err = -errno;
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
			if (fwrite(&h, sizeof(h), 1, f) != 1)
				err = -EIO;
			for (j = 0; j < 4 && err == 0; j++)
				if (h.len[j] != NO_TEXT && h.len[j] > 0 &&
				    fwrite(t[j], h.len[j], 1, f) != 1)
					err = -EIO;
		}
		jsonl_op_fini((struct jsonl_op *)&q->op);
	}
	if (err == 0 && (fflush(f) != 0 || ferror(f) || fseeko(f, 0, SEEK_SET) != 0))
		err = -EIO;
	if (err == -EIO && errno != 0)
		err = -errno;
	if (err != 0) {
		if (f != NULL)
			fclose(f);
		return err;
	}
	s->run[s->nruns++] = f;
	return 0;
}

/* A run being merged: its next line, read ahead, and the texts it points into. */
struct merge_run {
	FILE *f;
	bool live;
	struct spill_hdr h;
	struct pending cur;
	char *text;
};

struct spill_merge {
	size_t n;
	ssize_t last;		/* the run whose line was handed out last, to be read on */
	size_t textcap;
	struct merge_run r[];
};

/* Read run R's next record: 1, 0 at its end, or -errno. */
static int
merge_read(struct spill_merge *m, struct merge_run *r)
{
	const char **t[4];
	char *at = r->text;
	unsigned i;

	if (fread(&r->h, sizeof(r->h), 1, r->f) != 1) {
		r->live = false;
		return ferror(r->f) ? -EIO : 0;
	}
	memset(&r->cur, 0, sizeof(r->cur));
	r->cur.op.kind = JSONL_REPORT;
	r->cur.op.has_at = (r->h.flags & F_HAS_AT) != 0;
	r->cur.op.has_lifetime = (r->h.flags & F_HAS_LIFETIME) != 0;
	r->cur.op.force = (r->h.flags & F_FORCE) != 0;
	r->cur.op.report.imported = (r->h.flags & F_IMPORTED) != 0;
	r->cur.op.report.net = r->h.net;
	r->cur.op.report.at = r->h.at;
	r->cur.op.report.code = r->h.code;
	r->cur.op.report.lifetime = r->h.lifetime;
	r->cur.zi = r->h.zi;
	r->cur.line = r->h.line;
	t[0] = &r->cur.op.report.reason;
	t[1] = &r->cur.op.report.source;
	t[2] = &r->cur.op.report.evidence;
	t[3] = &r->cur.op.report.name;
	for (i = 0; i < 4; i++) {
		if (r->h.len[i] == NO_TEXT)
			continue;
		if ((size_t)(at - r->text) + r->h.len[i] + 1 > m->textcap)
			return -EIO;
		if (r->h.len[i] > 0 && fread(at, r->h.len[i], 1, r->f) != 1)
			return -EIO;
		at[r->h.len[i]] = '\0';
		*t[i] = at;
		at += r->h.len[i] + 1;
	}
	return 1;
}

int
spill_merge_begin(struct spill *s, struct spill_merge **mp)
{
	struct spill_merge *m;
	size_t i;
	int rc;

	*mp = NULL;
	if ((m = calloc(1, sizeof(*m) + s->nruns * sizeof(m->r[0]))) == NULL)
		return -ENOMEM;
	*mp = m;
	m->last = -1;
	m->textcap = s->maxlen + 8;
	for (i = 0; i < s->nruns; i++, m->n++) {
		m->r[i].f = s->run[i];
		m->r[i].live = true;
		if ((m->r[i].text = malloc(m->textcap)) == NULL)
			return -ENOMEM;
		if ((rc = merge_read(m, &m->r[i])) < 0)
			return rc;
	}
	return 0;
}

/* Key order; for one key, the earlier run (the earlier lines) first. */
static bool
merge_before(const struct merge_run *a, const struct merge_run *b)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (a->h.w[i] != b->h.w[i])
			return a->h.w[i] < b->h.w[i];
	return a < b;
}

int
spill_merge_next(struct spill_merge *m, struct pending **q)
{
	ssize_t best = -1;
	size_t i;
	int rc;

	if (m->last >= 0 && (rc = merge_read(m, &m->r[m->last])) < 0)
		return rc;
	/* A linear scan: the runs are few (SPILL_MAX_RUNS), a heap would gain little. */
	for (i = 0; i < m->n; i++)
		if (m->r[i].live && (best < 0 || merge_before(&m->r[i], &m->r[best])))
			best = (ssize_t)i;
	m->last = best;
	if (best < 0)
		return 0;
	*q = &m->r[best].cur;
	return 1;
}

void
spill_merge_end(struct spill *s, struct spill_merge *m)
{
	size_t i;

	if (m != NULL) {
		for (i = 0; i < m->n; i++)
			free(m->r[i].text);
		free(m);
	}
	spill_discard(s);
}

void
spill_discard(struct spill *s)
{
	while (s->nruns > 0)
		fclose(s->run[--s->nruns]);
}
