/* The tester's queue runner: lease due jobs within the limits, test them, record the verdicts. */
#ifndef RUN_H
#define RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "store.h"

struct run_opts {
	uint64_t job;		/* only this job (rbldb verify), 0 = the queue */
	bool once;		/* stop when nothing is due and nothing runs */
	bool json;		/* verdicts as JSON lines */
	const char *connect;	/* HOST:PORT for jobs without their own (lab path) */
	int64_t at;		/* the clock, 0 = the real one */
	unsigned poll;		/* seconds between looks at the queue when idle */
};

/*
 * Run the queue of store S for configuration C (ZONE_IDS[i] the store id
 * of C->zones[i]).  Prints one verdict line per finished test on stdout.
 * Returns 0, or 1 after a message on stderr.
 */
int run_queue(const struct conf *c, struct store *s, const uint16_t *zone_ids,
    const struct run_opts *o);

#endif
