/* Result codes shared by every rbldb module, and their one-line names. */
#include <string.h>

#include "rb.h"

/*
 * The project codes sit below -1000, so every value above that is a negated
 * errno (libuv and Knot use the same split).  The texts are read by
 * operators in CLI output and logs, so they say what to do where it helps.
 */
const char *
rb_strerror(int rc)
{
	switch (rc) {
	case RB_OK:
		return "success";
	case RB_ENOTFOUND:
		return "not found";
	case RB_EPOLICY:
		return "refused by the listing policy";
	case RB_EMAPFULL:
		return "the store is full (raise mapsize in [server])";
	case RB_ENOTSTORE:
		return "the directory holds something that is not an rbldb store";
	case RB_ESCHEMA:
		return "the store was written by a newer rbldb (upgrade rbldb)";
	case RB_ESYNTAX:
		return "malformed input";
	case RB_ESTORE:
		return "store (LMDB) failure";
	case RB_EBUSY:
		return "resource busy (too many readers?), try again";
	case RB_EUNSAFE:
		return "as root, a store must be in a directory only its owner may write, "
		    "holding no symbolic link";
	case RB_ENOSTORE:
		return "no store there (rbldb init creates one)";
	case RB_EMAXCHANGE:
		return "the commit adds or removes more listings than the zone's max-change "
		    "(use --force to do it)";
	case RB_ECONFLICT:
		return "entries changed since that commit (use --force to revert the others)";
	case RB_EREADONLY:
		return "the store is open read-only";
	case RB_ENOUNDO:
		return "that commit's undo record is not kept";
	case -ELOOP:
		/* What O_NOFOLLOW (privs_open) says of a link; a loop of links reads alike. */
		return "a symbolic link, which is not followed here (give the file's own path)";
	}
	if (rc < 0 && rc > -1000)
		return strerror(-rc);
	return "unknown error";
}
