/* The UDP load measure that decides whether udp-batch-wait pauses (udp_load.h). */
#include "udp_load.h"

bool
udp_load_add(struct udp_load *l, uint64_t now, uint64_t busy_ns)
{
	uint64_t span;

	l->busy_ns += busy_ns;
	if (now < l->window_start || (span = now - l->window_start) < UDP_LOAD_WINDOW_NS)
		return l->loaded;
	/* A long idle gap is one long window: it ends the load. */
	if (!l->loaded && l->busy_ns * 100 >= span * UDP_LOAD_ON_PCT)
		l->loaded = true;
	else if (l->loaded && l->busy_ns * 100 < span * UDP_LOAD_OFF_PCT)
		l->loaded = false;
	l->window_start = now;
	l->busy_ns = 0;
	return l->loaded;
}
