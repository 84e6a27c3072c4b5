/* Sorted runs: records spilled to unlinked temporary files, then merged back in one order. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runs.h"

size_t
runs_chunk(const char *env, size_t max)
{
	const char *e = getenv(env);
	long v;

	if (e == NULL || (v = strtol(e, NULL, 10)) < 1 || (unsigned long)v > max)
		return max;
	return (size_t)v;
}

void
runs_init(struct runs *rs, size_t hdrlen, int (*cmp)(const void *, const void *))
{
	memset(rs, 0, sizeof(*rs));
	rs->hdrlen = hdrlen;
	rs->cmp = cmp;
}

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
		snprintf(path, sizeof(path), "%s/rbldb-run-XXXXXX", dir);
		if ((fd = mkstemp(path)) < 0)
			return NULL;
		unlink(path);
	}
	if ((f = fdopen(fd, "w+")) == NULL)
		close(fd);
	return f;
}

int
runs_begin(struct runs *rs)
{
	FILE **v;

	if (rs->nruns == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		if ((v = realloc(rs->run, rs->cap * sizeof(*v))) == NULL)
			return -ENOMEM;
		rs->run = v;
	}
	rs->err = 0;
	if ((rs->cur = temp_file()) == NULL)
		return -errno;
	return 0;
}

void
runs_put(struct runs *rs, const void *hdr, const void *data, size_t len)
{
	uint32_t n = (uint32_t)len;

	if (rs->err != 0)
		return;
	if (len > UINT32_MAX)
		rs->err = -E2BIG;
	else if (fwrite(hdr, rs->hdrlen, 1, rs->cur) != 1 ||
	    fwrite(&n, sizeof(n), 1, rs->cur) != 1 ||
	    (len > 0 && fwrite(data, len, 1, rs->cur) != 1))
		rs->err = errno != 0 ? -errno : -EIO;
}

int
runs_end(struct runs *rs)
{
	int err = rs->err;

	if (err == 0 && (fflush(rs->cur) != 0 || ferror(rs->cur) ||
	    fseeko(rs->cur, 0, SEEK_SET) != 0))
		err = errno != 0 ? -errno : -EIO;
	if (err != 0)
		fclose(rs->cur);
	else
		rs->run[rs->nruns++] = rs->cur;
	rs->cur = NULL;
	rs->err = 0;
	return err;
}

/* A run being merged: its next record, read ahead. */
struct merge_run {
	FILE *f;
	void *hdr;
	char *data;
	size_t len, cap;
};

/*
 * A binary heap of the live runs by their next record, so each record
 * costs log(runs) comparisons however many runs a large load has.
 */
struct runs_merge {
	const struct runs *rs;
	size_t n;		/* live runs in heap[] */
	ssize_t last;		/* the run whose record was handed out last, to be read on */
	size_t *heap;
	struct merge_run r[];
};

/* Read run R's next record: 1, 0 at its end, or -errno. */
static int
merge_read(const struct runs *rs, struct merge_run *r)
{
	uint32_t n;
	char *p;

	if (fread(r->hdr, rs->hdrlen, 1, r->f) != 1)
		return ferror(r->f) ? -EIO : 0;
	if (fread(&n, sizeof(n), 1, r->f) != 1)
		return -EIO;	/* a record cut short: the file was not ours */
	if ((size_t)n + 1 > r->cap) {
		if ((p = realloc(r->data, (size_t)n + 1)) == NULL)
			return -ENOMEM;
		r->data = p;
		r->cap = (size_t)n + 1;
	}
	if (n > 0 && fread(r->data, n, 1, r->f) != 1)
		return -EIO;
	r->data[n] = '\0';
	r->len = n;
	return 1;
}

/* Run A's record before run B's: header order, then the earlier run. */
static bool
merge_before(const struct runs_merge *m, size_t a, size_t b)
{
	int d = m->rs->cmp(m->r[a].hdr, m->r[b].hdr);

	return d != 0 ? d < 0 : a < b;
}

static void
sift_down(struct runs_merge *m, size_t i)
{
	size_t c, t;

	for (;;) {
		c = 2 * i + 1;
		if (c >= m->n)
			return;
		if (c + 1 < m->n && merge_before(m, m->heap[c + 1], m->heap[c]))
			c++;
		if (!merge_before(m, m->heap[c], m->heap[i]))
			return;
		t = m->heap[i];
		m->heap[i] = m->heap[c];
		m->heap[c] = t;
		i = c;
	}
}

int
runs_merge_begin(struct runs *rs, struct runs_merge **mp)
{
	struct runs_merge *m;
	size_t i;
	int rc;

	*mp = NULL;
	if ((m = calloc(1, sizeof(*m) + rs->nruns * sizeof(m->r[0]))) == NULL)
		return -ENOMEM;
	*mp = m;
	m->rs = rs;
	m->last = -1;
	if ((m->heap = calloc(rs->nruns + 1, sizeof(*m->heap))) == NULL)
		return -ENOMEM;
	for (i = 0; i < rs->nruns; i++) {
		m->r[i].f = rs->run[i];
		if ((m->r[i].hdr = malloc(rs->hdrlen)) == NULL)
			return -ENOMEM;
		if ((rc = merge_read(rs, &m->r[i])) < 0)
			return rc;
		if (rc == 1)
			m->heap[m->n++] = i;
	}
	for (i = m->n / 2; i-- > 0;)
		sift_down(m, i);
	return 0;
}

int
runs_merge_next(struct runs_merge *m, const void **hdr, const void **data, size_t *len)
{
	int rc;

	if (m->last >= 0) {
		/* The top is the run handed out last: read it on, or drop it at its end. */
		if ((rc = merge_read(m->rs, &m->r[m->last])) < 0)
			return rc;
		if (rc == 0)
			m->heap[0] = m->heap[--m->n];
		sift_down(m, 0);
		m->last = -1;
	}
	if (m->n == 0)
		return 0;
	m->last = (ssize_t)m->heap[0];
	*hdr = m->r[m->last].hdr;
	*data = m->r[m->last].data;
	*len = m->r[m->last].len;
	return 1;
}

void
runs_merge_end(struct runs *rs, struct runs_merge *m)
{
	size_t i;

	if (m != NULL) {
		for (i = 0; i < rs->nruns; i++) {
			free(m->r[i].hdr);
			free(m->r[i].data);
		}
		free(m->heap);
		free(m);
	}
	runs_discard(rs);
}

void
runs_discard(struct runs *rs)
{
	if (rs->cur != NULL)
		fclose(rs->cur);
	rs->cur = NULL;
	while (rs->nruns > 0)
		fclose(rs->run[--rs->nruns]);
	free(rs->run);
	rs->run = NULL;
	rs->cap = 0;
}
