/*
 * The relay test's message.  As rlytest's did, it says in plain words that
 * it is a test and not an attack, who made it, why this host, what was
 * tried, and how to stop it; the cookie rides in a header and the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forms.h"
#include "message.h"

char *
message_build(const struct smtp_params *p, unsigned form, const char *cookie, int64_t now)
{
	char date[64], a[ADDR_STRLEN], *buf = NULL;
	const char *at = strchr(p->dropbox, '@');
	time_t t = (time_t)now;
	struct tm tm;
	size_t len = 0;
	FILE *f;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	addr_format(&p->target, a, sizeof(a));
	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(f, "From: Relay test <%s@%s>\r\n", p->from, at != NULL ? at + 1 : "invalid");
	fprintf(f, "To: <%s>\r\n", p->dropbox);
	fprintf(f, "Subject: Relay test of [%s] for %s (job %llu)\r\n", a, p->zone,
	    (unsigned long long)p->job);
	fprintf(f, "Date: %s\r\n", date);
	fprintf(f, "Message-ID: <rbldb-verify.%llu.%u.%lld@%s>\r\n",
	    (unsigned long long)p->job, form, (long long)p->cookie_time, p->helo);
	fprintf(f, "X-Rbldb-Verify: %s\r\n", cookie);
	fprintf(f, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
	fprintf(f, "This message is a relay test, not spam and not an attack.\r\n\r\n"
	    "The mail server at %s was reported to the DNS blocklist %s as an\r\n"
	    "open relay.  The list publishes a report only after a test shows that\r\n"
	    "the server really relays mail for strangers, so this one-off test asked\r\n"
	    "it to relay this message to the list's own mailbox <%s>,\r\n"
	    "using the address form \"%s\" (form %u).  Arriving there proves the\r\n"
	    "relay open.  No mail was sent to anybody else, and no further mail\r\n"
	    "will be sent for this test.\r\n\r\n", a, p->zone, p->dropbox, form_name(form),
	    form);
	fprintf(f, "If you run %s: configure it to accept mail only for your own\r\n"
	    "domains and from your own users, then ask for a retest (a removal\r\n"
	    "request); a closed relay is delisted after the retest.\r\n", a);
	if (p->url != NULL)
		fprintf(f, "About these tests, lookups, removal and opting out of tests:\r\n  %s\r\n",
		    p->url);
	fprintf(f, "\r\nTest by %s, job %llu.\r\nCookie: %s\r\n.\r\n", p->helo,
	    (unsigned long long)p->job, cookie);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
