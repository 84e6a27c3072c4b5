/* The relay forms a test tries (the address-trick catalogue of the relay testers). */
#ifndef FORMS_H
#define FORMS_H

#include <stddef.h>

#define FORM_COUNT 20

/*
 * The parts a form's addresses are made of: the drop box's local part L
 * and domain D, the sender's local part F, the target as an address
 * literal T ("[192.0.2.1]", "[IPv6:2001:db8::1]") and the host name H it
 * gave in its banner (T again when it gave none); R is a random label,
 * new for each test, for the sender in a random subdomain of D.
 */
struct form_parts {
	const char *local, *domain, *from, *literal, *host, *rand;
};

/* The name of form N (1..FORM_COUNT), e.g. "percent hack, literal". */
const char *form_name(unsigned n);

/*
 * MAIL FROM and RCPT TO of form N, the angle brackets included, into MAIL
 * and RCPT.  Returns 0, or -1 when they do not fit.
 */
int form_build(unsigned n, const struct form_parts *p, char *mail, size_t mlen, char *rcpt,
    size_t rlen);

#endif
