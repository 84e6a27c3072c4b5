/* rbldnsd's command line: rbldbd as a drop-in for rbldnsd (compat.c). */
#ifndef COMPAT_H
#define COMPAT_H

#include <stdbool.h>

/* Whether ARGV is rbldnsd's command line: an argument ZONE:TYPE:FILE of a known TYPE. */
bool compat_wanted(int argc, char **argv);

/*
 * Build a private store from rbldnsd's data files, serve it as rbldnsd
 * would (rbldbd on a written configuration, as a child) until SIGTERM,
 * rebuilding when a file changes.  Returns the exit status.
 */
int compat_main(int argc, char **argv);

#endif
