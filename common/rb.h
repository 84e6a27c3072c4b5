/* Shared result codes and small helpers used by every rbldb module. */
#ifndef RB_H
#define RB_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Results are int: 0 for success, a negative errno value, or one of the
 * project codes below.  rb_strerror() names any of them.
 */
enum {
	RB_OK = 0,
	RB_ENOTFOUND = -1001,	/* no such key, zone or entry */
	RB_EPOLICY = -1002,	/* refused by the listing policy */
	RB_EMAPFULL = -1003,	/* LMDB map is full: raise [server] mapsize */
	RB_ENOTSTORE = -1004,	/* the path holds something that is not an rbldb store */
	RB_ESCHEMA = -1005,	/* store written by a newer rbldb */
	RB_ESYNTAX = -1006,	/* malformed text input */
	RB_ESTORE = -1007,	/* other LMDB failure */
	RB_EBUSY = -1008,	/* too many readers or similar transient condition */
	RB_EUNSAFE = -1009,	/* as root: a store others may write, or a link in it */
	RB_ENOSTORE = -1010,	/* no store in that directory (rbldb init makes one) */
	RB_EMAXCHANGE = -1011,	/* a commit over a zone's max-change, without force */
	RB_ECONFLICT = -1012,	/* revert: entries changed since the commit */
	RB_ENOUNDO = -1013,	/* revert: the commit's undo record is not kept */
	RB_EREADONLY = -1014,	/* a write to a store opened read-only */
};

const char *rb_strerror(int rc);

/* The release, as both programs' --version print it; the one place it is written. */
#define RB_VERSION "0.1.0"

#define RB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
