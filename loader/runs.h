/* Sorted runs: records spilled to unlinked temporary files, then merged back in one order. */
#ifndef RUNS_H
#define RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * A load too big to hold writes each sorted chunk of its records to a
 * temporary file (a run), and reads them back merged, so what follows
 * sees one order without the whole load in memory.  A record is a
 * header of HDRLEN octets, which CMP orders, then up to 4 GiB of bytes
 * of its own (texts...).  Records CMP finds equal come out in the order
 * of their runs, then of their place in a run: with chunks cut in file
 * order and sorted stably, the file's order holds among equals.
 */
struct runs {
	size_t hdrlen;
	int (*cmp)(const void *a, const void *b);	/* header order, as qsort's */
	FILE **run;
	size_t nruns, cap;
	FILE *cur;		/* the run being written, NULL between runs */
	int err;		/* the first write error, sticky until runs_end */
};

/* A load's chunk: MAX records, or fewer when the environment variable ENV says (tests). */
size_t runs_chunk(const char *env, size_t max);

/* Set RS up for headers of HDRLEN octets ordered by CMP; no file is opened yet. */
void runs_init(struct runs *rs, size_t hdrlen, int (*cmp)(const void *, const void *));
/* Start a new run (an unlinked file in $TMPDIR, or /tmp); 0 or -errno. */
int runs_begin(struct runs *rs);
/* Append a record to the run begun: HDR, then DATA[0..LEN).  Errors stick till runs_end. */
void runs_put(struct runs *rs, const void *hdr, const void *data, size_t len);
/* Finish the run begun (records put in CMP order); 0, or -errno (ENOSPC...) and it is dropped. */
int runs_end(struct runs *rs);

struct runs_merge;
/* Start merging RS's runs; 0 or -errno (then runs_merge_end still). */
int runs_merge_begin(struct runs *rs, struct runs_merge **m);
/*
 * The next record in CMP order: *HDR and *DATA (LEN octets, NUL after
 * them) valid until the next call.  1, 0 after the last, or -errno.
 */
int runs_merge_next(struct runs_merge *m, const void **hdr, const void **data, size_t *len);
/* Free M (NULL is fine) and close and forget every run of RS. */
void runs_merge_end(struct runs *rs, struct runs_merge *m);
/* Close the runs of RS, and one begun and not ended, without merging them (a failed load). */
void runs_discard(struct runs *rs);

#endif
