/* Domain names as `kind = names` zones list them (RHSBL, RFC 5782 s3): text forms and checks. */
#ifndef NAME_H
#define NAME_H

#include <stdbool.h>
#include <stddef.h>

/* Longest text of a name (253 octets for a whole name), with its NUL. */
#define NAME_TEXTLEN 256

/*
 * Check IN, a name relative to a zone whose name is ZONELEN octets long,
 * and write its stored form into OUT (NAME_TEXTLEN): lower case, without a
 * trailing dot, "*." kept in front of a wildcard (every name under the
 * rest).  Labels are 1 to 63 octets of letters, digits, '-' and '_'
 * (A-labels: U-labels are converted by the loader first); "*" only as the
 * whole first label; the name and the zone together at most 255 octets on
 * the wire (RFC 1035 s2.3.4), so that it can be asked.  "test" and
 * "invalid" are RFC 5782's test points and never listed.  Returns 0, or
 * RB_ESYNTAX (or RB_EPOLICY for the test points) with a short static
 * reason in *why.
 */
int name_normalize(const char *in, size_t zonelen, char *out, const char **why);

/* True when TEXT (stored form) is a wildcard, "*.rest". */
static inline bool name_is_wild(const char *text) { return text[0] == '*' && text[1] == '.'; }

#endif
