/* Relay verification's decisions on the store: testable targets, hold, confirm, close. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rb.h"
#include "verify_apply.h"

/*
 * Ranges a test never connects to outside the lab path (RFC 6890 and
 * RFC 6471 s3.6: nothing private, reserved or unroutable is scanned).
 */
#define V4MAPPED 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
static const struct reserved {
	struct addr net;
	const char *what;
} reserved[] = {
	{ { ADDR_V4, 8, { 0 } }, "\"this network\"" },
	{ { ADDR_V4, 8, { 10 } }, "private (RFC 1918)" },
	{ { ADDR_V4, 10, { 100, 64 } }, "shared address space (RFC 6598)" },
	{ { ADDR_V4, 8, { 127 } }, "loopback" },
	{ { ADDR_V4, 16, { 169, 254 } }, "link-local" },
	{ { ADDR_V4, 12, { 172, 16 } }, "private (RFC 1918)" },
	{ { ADDR_V4, 24, { 192, 0, 0 } }, "IETF protocol assignments" },
	{ { ADDR_V4, 24, { 192, 0, 2 } }, "documentation (TEST-NET-1)" },
	{ { ADDR_V4, 16, { 192, 168 } }, "private (RFC 1918)" },
	{ { ADDR_V4, 15, { 198, 18 } }, "benchmarking" },
	{ { ADDR_V4, 24, { 198, 51, 100 } }, "documentation (TEST-NET-2)" },
	{ { ADDR_V4, 24, { 203, 0, 113 } }, "documentation (TEST-NET-3)" },
	{ { ADDR_V4, 3, { 224 } }, "multicast or reserved" },
	{ { ADDR_V6, 128, { 0 } }, "unspecified" },
	{ { ADDR_V6, 128, { [15] = 1 } }, "loopback" },
	{ { ADDR_V6, 96, { V4MAPPED } }, "IPv4-mapped (test the IPv4 address)" },
	{ { ADDR_V6, 32, { 0x20, 0x01, 0x0d, 0xb8 } }, "documentation" },
	{ { ADDR_V6, 7, { 0xfc } }, "unique local" },
	{ { ADDR_V6, 10, { 0xfe, 0x80 } }, "link-local" },
	{ { ADDR_V6, 8, { 0xff } }, "multicast" },
};

static int
refuse(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return RB_EPOLICY;
}

static int
in_list(const struct addr *list, size_t n, const struct addr *a, const char *key, char *why,
    size_t whylen)
{
	char s[ADDR_STRLEN], r[ADDR_STRLEN];
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i].fam == a->fam && addr_contains(&list[i], a))
			return refuse(why, whylen, "%s is inside %s %s/%u: never tested",
			    addr_format(a, s, sizeof(s)), key, addr_format(&list[i], r, sizeof(r)),
			    (unsigned)list[i].plen);
	return 0;
}

int
verify_check_target(const struct conf_verify *v, const struct conf_zone *z,
    const struct addr *a, bool lab, char *why, size_t whylen)
{
	char s[ADDR_STRLEN];
	size_t i;
	int rc;

	if (!addr_is_host(a))
		return refuse(why, whylen, "%s is a range: a relay test tests one host "
		    "(report its addresses one by one)", addr_format(a, s, sizeof(s)));
	if ((rc = in_list(v->never, v->nnever, a, "[verify] never-test", why, whylen)) != 0)
		return rc;
	if (z != NULL && (rc = in_list(z->never, z->nnever, a, "never-list", why, whylen)) != 0)
		return rc;
	if (lab)
		return 0;
	for (i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
		if (reserved[i].net.fam == a->fam && addr_contains(&reserved[i].net, a))
			return refuse(why, whylen, "%s is %s: never tested (a lab uses "
			    "--connect HOST:PORT)", addr_format(a, s, sizeof(s)),
			    reserved[i].what);
	return 0;
}

uint32_t
verify_lifetime(uint32_t base, uint32_t delistings)
{
	uint64_t l = base;

	while (delistings-- > 0 && l < VERIFY_MAX_LIFETIME)
		l *= 2;
	return l > VERIFY_MAX_LIFETIME ? VERIFY_MAX_LIFETIME : (uint32_t)l;
}

static bool
listed_now(struct store_reader *r, uint16_t zone, const struct addr *a, int64_t now)
{
	struct listing l;

	return store_lookup(r, zone, a, (uint32_t)now, &l) == STORE_MATCH_LISTED;
}

int
verify_hold(struct store_wr *w, const struct conf *c, const struct conf_zone *z,
    uint16_t zone, const struct report *r, int64_t now, enum store_outcome *out,
    uint64_t *job, char *why, size_t whylen)
{
	struct store_reader *rd = store_wr_reader(w);
	struct verify_job last, j;
	int rc;

	if ((rc = verify_check_target(c->verify, z, &r->net, true, why, whylen)) != 0)
		return rc;
	rc = store_verify_latest(rd, zone, &r->net, &last, NULL);
	if (rc != RB_OK && rc != RB_ENOTFOUND)
		return rc;
	if (rc == RB_OK && last.state == VERIFY_CONFIRMED && listed_now(rd, zone, &r->net, now))
		return store_report(w, zone, r, out);
	*out = STORE_PENDING;
	if (rc == RB_OK && (last.state == VERIFY_PENDING || last.state == VERIFY_TESTING)) {
		*job = last.id;
		return RB_OK;
	}
	memset(&j, 0, sizeof(j));
	j.zone = zone;
	j.addr = r->net;
	j.state = VERIFY_PENDING;
	j.trigger = VERIFY_BY_REPORT;
	j.created = now;
	/* RFC 6471 s3.6.2: at most one test per address per min-interval. */
	j.due = now;
	if (rc == RB_OK && last.finished + (int64_t)c->verify->min_interval > now)
		j.due = last.finished + (int64_t)c->verify->min_interval;
	j.report_at = r->at;
	j.code = r->code;
	j.lifetime = r->lifetime;
	j.reason = r->reason;
	j.source = r->source;
	j.note = "reported; waiting for a relay test";
	if ((rc = store_verify_add(w, &j)) != 0)
		return rc;
	*job = j.id;
	return RB_OK;
}

int
verify_request(struct store_wr *w, const struct conf *c, uint16_t zone,
    const struct addr *a, const char *connect, bool force, int64_t now,
    struct verify_job *out, bool *cached)
{
	struct store_reader *rd = store_wr_reader(w);
	int rc = store_verify_latest(rd, zone, a, out, NULL);

	*cached = false;
	if (rc != RB_OK && rc != RB_ENOTFOUND)
		return rc;
	if (rc == RB_OK && out->state == VERIFY_TESTING)
		return RB_EBUSY;
	/* RFC 6471 s3.6.2: a recent verdict stands. */
	if (rc == RB_OK && !force && out->state != VERIFY_PENDING &&
	    out->finished + (int64_t)c->verify->min_interval > now) {
		*cached = true;
		return RB_OK;
	}
	if (rc == RB_OK && out->state == VERIFY_PENDING) {
		out->due = now;
		if (connect != NULL)
			out->connect = connect;
		return store_verify_put(w, out);
	}
	memset(out, 0, sizeof(*out));
	out->zone = zone;
	out->addr = *a;
	out->state = VERIFY_PENDING;
	out->trigger = listed_now(rd, zone, a, now) ? VERIFY_BY_RETEST : VERIFY_BY_OPERATOR;
	out->created = out->due = out->report_at = now;
	out->connect = connect;
	out->note = out->trigger == VERIFY_BY_RETEST ? "retest of a listed address" :
	    "test asked for by the operator";
	return store_verify_add(w, out);
}

/* The removal requests of one address waiting for its relay test (removal = retest). */
struct waiting {
	uint16_t zone;
	struct addr addr;
	uint64_t ids[16];
	size_t n;
};

static int
waiting_cb(void *arg, const struct store_request *rq)
{
	struct waiting *wt = arg;

	if (rq->state == STORE_REQ_RETEST && rq->zone == wt->zone &&
	    rq->net.plen == wt->addr.plen && addr_contains(&rq->net, &wt->addr) &&
	    wt->n < RB_ARRAY_LEN(wt->ids))
		wt->ids[wt->n++] = rq->id;
	return 0;
}

/*
 * Job J's verdict decides the removal requests that wait for it: ACCEPTED
 * (the retest found the relay closed and delisted it) or REJECTED (still
 * open), each with the job named, so the lookup page tells the requester.
 */
static int
settle_requests(struct store_wr *w, const struct verify_job *j, uint8_t state)
{
	struct waiting wt = { .zone = j->zone, .addr = j->addr };
	char why[160];
	size_t i;
	int rc;

	if ((rc = store_request_walk(store_wr_reader(w), waiting_cb, &wt)) != 0)
		return rc;
	snprintf(why, sizeof(why), state == STORE_REQ_ACCEPTED ?
	    "relay test job %llu found no open relay: delisted" :
	    "relay test job %llu found the relay still open: fix it and ask again",
	    (unsigned long long)j->id);
	for (i = 0; i < wt.n && rc == 0; i++)
		rc = store_request_decide(w, wt.ids[i], state, why, "rbldb-verify");
	return rc;
}

int
verify_confirm(struct store_wr *w, const struct conf_zone *z, struct verify_job *j,
    unsigned form, const char *note, int64_t now, enum store_outcome *out)
{
	uint32_t delistings = 0;
	struct report r;
	char evidence[160];
	int rc;

	/* Not the latest job itself: reading one would overwrite J's texts. */
	rc = store_verify_latest(store_wr_reader(w), j->zone, &j->addr, NULL, &delistings);
	if (rc != RB_OK && rc != RB_ENOTFOUND)
		return rc;
	j->state = VERIFY_CONFIRMED;
	j->form = (uint8_t)form;
	j->finished = now;
	j->note = note;
	if ((rc = store_verify_put(w, j)) != 0)
		return rc;
	snprintf(evidence, sizeof(evidence), "relay test job %llu confirmed an open relay "
	    "(form %u); its transcript is in rbldb show", (unsigned long long)j->id, form);
	memset(&r, 0, sizeof(r));
	r.net = j->addr;
	r.at = now;
	r.code = j->code;
	r.lifetime = verify_lifetime(j->lifetime ? j->lifetime : z->lifetime, delistings);
	r.reason = j->reason;
	r.source = j->source != NULL ? j->source : "rbldb-verify";
	r.evidence = evidence;
	if ((rc = store_report(w, j->zone, &r, out)) != 0)
		return rc;
	return j->trigger == VERIFY_BY_RETEST ? settle_requests(w, j, STORE_REQ_REJECTED) : 0;
}

int
verify_close(struct store_wr *w, const struct conf_zone *z, struct verify_job *j,
    const char *note, int64_t now, bool *delisted)
{
	struct delisting d;
	enum store_outcome out;
	char reason[160];
	int rc;

	*delisted = false;
	j->state = VERIFY_CLOSED;
	j->finished = now;
	j->note = note;
	if ((rc = store_verify_put(w, j)) != 0)
		return rc;
	if (!listed_now(store_wr_reader(w), j->zone, &j->addr, now))
		return RB_OK;
	snprintf(reason, sizeof(reason), "relay test job %llu found no open relay",
	    (unsigned long long)j->id);
	memset(&d, 0, sizeof(d));
	d.net = j->addr;
	d.at = now;
	d.reason = reason;
	d.by = "rbldb-verify";
	if ((rc = store_delist(w, j->zone, &d, &out)) != 0)
		return rc;
	*delisted = out == STORE_DELISTED;
	if ((rc = store_verify_count_delisting(w, j->zone, &j->addr)) != 0)
		return rc;
	return settle_requests(w, j, STORE_REQ_ACCEPTED);
}

size_t
verify_escape_octet(unsigned char c, char out[4])
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	switch (c) {
	case '\r': out[1] = 'r'; return 2;
	case '\n': out[1] = 'n'; return 2;
	case '\t': out[1] = 't'; return 2;
	case '\\': out[1] = '\\'; return 2;
	default:
		if (c >= 0x20 && c < 0x7f) {
			out[0] = (char)c;
			return 1;
		}
		out[1] = 'x';
		out[2] = hex[c >> 4];
		out[3] = hex[c & 15];
		return 4;
	}
}
