/* rbldb ingest: chunks sorted by address, and a load of many chunks merged in one order. */
#ifndef INGEST_SORT_H
#define INGEST_SORT_H

#include <stdint.h>
#include <stdio.h>

#include "jsonl.h"
#include "runs.h"

/* One line of a chunk: its parsed object, zone and line number. */
struct pending {
	struct jsonl_op op;
	size_t zi;		/* its zone, L->conf->zones[zi] */
	uint64_t line;
};

/*
 * What a chunk is sorted by, packed for cheap comparisons: zone, family,
 * the 16 address octets, prefix length, then the line's index in the
 * chunk, which keeps the sort stable.  The chunk's lines stay where they
 * are; only these 24 octets each move.
 */
struct sort_key {
	uint64_t w[3];
};

/* Fill KEYS[0..N) for P[0..N) and sort them: P[KEY_INDEX(keys[i])] is the i-th line. */
void sort_chunk(const struct pending *p, struct sort_key *keys, size_t n);
#define KEY_INDEX(k) ((uint32_t)(k).w[2])

/*
 * A load of more than one chunk of reports: each sorted chunk is written
 * to an unlinked temporary file (a run), and the runs are then merged so
 * the store's B-trees are written in one key order, their pages filled as
 * an append fills them, rather than split half full by chunks that
 * interleave.  Lines of one address keep their file order: within a run
 * by the stable sort, across runs by the run's number.  A merge holds each
 * run open, so it takes at most SPILL_MAX_RUNS of them (half the process's
 * descriptor limit when that is lower): 268M lines of 524,288-line chunks.
 * A load of more merges its runs in passes, each a B-tree pass of its own,
 * and a later pass splits the pages the earlier one filled (at 100M with
 * 64 runs a merge, the entries took 48 octets each instead of 34).
 */
#define SPILL_MAX_RUNS 512

struct spill {
	struct runs rs;
	size_t maxruns;		/* runs one merge takes (spill_init) */
};

/* Ready S for a load (no run yet). */
void spill_init(struct spill *s);

/* Sort P[0..N), write it as a new run and finish its lines; 0 or -errno (ENOSPC...). */
int spill_chunk(struct spill *s, struct pending *p, struct sort_key *keys, size_t n);

struct spill_merge;
/* Start merging S's runs; 0 or -errno. */
int spill_merge_begin(struct spill *s, struct spill_merge **m);
/* The next line in key order into *Q (valid until the next call): 1, 0 at the end, or -errno. */
int spill_merge_next(struct spill_merge *m, struct pending **q);
/* Close and forget every run of S. */
void spill_merge_end(struct spill *s, struct spill_merge *m);
/* Close the runs of S without merging them (a failed batch). */
void spill_discard(struct spill *s);

#endif
