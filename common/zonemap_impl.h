/* The mapping's rooms: what zonemap.c takes from zonemap_entries.c.  Private to them. */
#ifndef ZONEMAP_IMPL_H
#define ZONEMAP_IMPL_H

#include <stddef.h>

#include "zonemap.h"

/*
 * The entries SRC maps into *OUT (all, or those overlapping one of NETS[0..nnets)
 * when NETS is given): live ones of the zone's families, in key order, with
 * the RFC 5782 test points laid over them.  free(out->v) when done.
 */
int zonemap_gather(const struct zonemap_src *src, const struct addr *nets, size_t nnets,
    struct listing_vec *out);

#endif
