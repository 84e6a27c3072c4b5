/* rbldnsd's dnset entries: domain names, their wildcards, and rbldnsd's ".name" for both. */
#include <stdio.h>
#include <string.h>

#include "rb.h"
#include "rbldnsd.h"

int
rbldnsd_dnset_entry(const char *tok, const char *e, struct rbldnsd_line *out, char *err,
    size_t errlen)
{
	size_t n = (size_t)(e - tok);

	if (n > 0 && tok[n - 1] == '.')
		n--;	/* rbldnsd takes "example.com." too */
	if (n == 0 || n + 3 > RBLDNSD_NAME_MAX) {
		snprintf(err, errlen, "not a domain name: \"%.*s\"", (int)(e - tok), tok);
		return RB_ESYNTAX;
	}
	if (tok[0] == '.' && n > 1) {
		/* ".example.com": the name and every name under it. */
		snprintf(out->names[0], RBLDNSD_NAME_MAX, "%.*s", (int)(n - 1), tok + 1);
		snprintf(out->names[1], RBLDNSD_NAME_MAX, "*.%.*s", (int)(n - 1), tok + 1);
		out->nnames = 2;
		return 0;
	}
	/* "example.com" and "*.example.com" as they are; name.h judges them. */
	snprintf(out->names[0], RBLDNSD_NAME_MAX, "%.*s", (int)n, tok);
	out->nnames = 1;
	return 0;
}
