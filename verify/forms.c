/*
 * The relay forms: plain relaying with the senders relays trusted by
 * mistake, then the routing tricks RFC 2505 s2.1 names (the percent hack,
 * source routes, UUCP bang paths) and quoted local parts, each against the
 * target's address literal and its banner name.  In the order the known
 * testers used, plain forms first, so a wide-open relay is found at once;
 * the random-subdomain sender came later and is last, so that the stored
 * numbers of the older forms keep their meaning.
 */
#include <stdio.h>

#include "forms.h"

struct form {
	const char *name;
	const char *mail;	/* printf-like: %L %D %F %T %H %R */
	const char *rcpt;
};

static const struct form forms[FORM_COUNT] = {
	{ "null sender", "<>", "<%L@%D>" },
	{ "plain third-party relay", "<%F@%D>", "<%L@%D>" },
	{ "sender at the target's host name", "<%F@%H>", "<%L@%D>" },
	{ "sender at the target's address literal", "<%F@%T>", "<%L@%D>" },
	{ "sender at localhost", "<%F@localhost>", "<%L@%D>" },
	{ "unqualified sender", "<%F>", "<%L@%D>" },
	{ "postmaster sender", "<postmaster@%H>", "<%L@%D>" },
	{ "percent hack, literal", "<%F@%T>", "<%L%%%D@%T>" },
	{ "percent hack, host name", "<%F@%T>", "<%L%%%D@%H>" },
	{ "quoted local part", "<%F@%T>", "<\"%L@%D\">" },
	{ "quoted percent", "<%F@%T>", "<\"%L%%%D\">" },
	{ "double @, literal", "<%F@%T>", "<%L@%D@%T>" },
	{ "quoted, literal", "<%F@%T>", "<\"%L@%D\"@%T>" },
	{ "double @, host name", "<%F@%T>", "<%L@%D@%H>" },
	{ "source route, literal", "<%F@%T>", "<@%T:%L@%D>" },
	{ "source route, host name", "<%F@%T>", "<@%H:%L@%D>" },
	{ "bang path", "<%F@%T>", "<%D!%L>" },
	{ "bang path, literal", "<%F@%T>", "<%D!%L@%T>" },
	{ "bang path, host name", "<%F@%T>", "<%D!%L@%H>" },
	{ "sender in a random subdomain", "<%F@%R.%D>", "<%L@%D>" },
};

const char *
form_name(unsigned n)
{
	return n >= 1 && n <= FORM_COUNT ? forms[n - 1].name : "?";
}

/* Expand TEMPLATE: %L %D %F %T %H %R as in struct form_parts, %% a percent sign. */
static int
expand(const char *t, const struct form_parts *p, char *out, size_t len)
{
	size_t n = 0;
	int w;

	for (; *t != '\0'; t++) {
		const char *s = NULL;

		if (*t == '%') {
			switch (*++t) {
			case 'L': s = p->local; break;
			case 'D': s = p->domain; break;
			case 'F': s = p->from; break;
			case 'T': s = p->literal; break;
			case 'H': s = p->host; break;
			case 'R': s = p->rand != NULL ? p->rand : "r"; break;
			default: s = "%"; break;
			}
		}
		w = s != NULL ? snprintf(out + n, len - n, "%s", s) :
		    snprintf(out + n, len - n, "%c", *t);
		if (w < 0 || (size_t)w >= len - n)
			return -1;
		n += (size_t)w;
	}
	return 0;
}

int
form_build(unsigned n, const struct form_parts *p, char *mail, size_t mlen, char *rcpt,
    size_t rlen)
{
	if (n < 1 || n > FORM_COUNT)
		return -1;
	if (expand(forms[n - 1].mail, p, mail, mlen) != 0 ||
	    expand(forms[n - 1].rcpt, p, rcpt, rlen) != 0)
		return -1;
	return 0;
}
