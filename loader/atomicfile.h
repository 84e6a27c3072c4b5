/* Replacing a file atomically: write a temporary beside it, fsync, rename, fsync the directory. */
#ifndef ATOMICFILE_H
#define ATOMICFILE_H

#include <stdio.h>

/*
 * Readers of PATH (rsync, rbldnsd, a secondary loading a zone) see the old
 * file or the whole new one, never a part: the data goes to a temporary in
 * the same directory (so rename(2) cannot cross file systems), is flushed
 * to disk, and only then renamed over PATH; the directory is synced so the
 * rename survives a crash too.
 */
struct atomicfile {
	char *path;		/* the file to replace */
	char *tmp;		/* the temporary beside it */
	FILE *f;		/* write the new contents here */
};

/*
 * Create the temporary for PATH, with PATH's mode when it exists (else
 * 0666 less the umask).  Returns 0 or a negative errno value.
 */
int atomicfile_open(struct atomicfile *af, const char *path);

/* Flush, fsync and rename over PATH, then fsync the directory.  On error the temporary is removed. */
int atomicfile_commit(struct atomicfile *af);

/* Drop the temporary; PATH is untouched.  A no-op after commit. */
void atomicfile_abort(struct atomicfile *af);

#endif
