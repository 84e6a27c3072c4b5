/* POST /remove: CSRF tokens, rate limits, and a removal request under the zone's policy. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "log.h"
#include "lookup.h"
#include "policy.h"
#include "rb.h"
#include "timeutil.h"
#include "verify_apply.h"

/* ---- CSRF: a token is TIME.HMAC(secret, TIME | client), bound to the client and an age ---- */

static void
token_mac(const struct web *w, const struct addr *client, int64_t t, char hex[65])
{
	unsigned char msg[8 + sizeof(*client)], mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	struct addr c = *client;

	memset(msg, 0, sizeof(msg));
	for (i = 0; i < 8; i++)
		msg[i] = (unsigned char)((uint64_t)t >> (56 - 8 * i));
	/* Only what the address is: no padding octets of the struct. */
	memset(&c, 0, sizeof(c));
	c.fam = client->fam;
	c.plen = client->plen;
	memcpy(c.a, client->a, addr_bytes(client->fam));
	memcpy(msg + 8, &c, sizeof(c));
	HMAC(EVP_sha256(), w->secret, sizeof(w->secret), msg, sizeof(msg), mac, &len);
	for (i = 0; i < 32 && i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	hex[64] = '\0';
}

void
web_csrf_token(const struct web *w, const struct addr *client, int64_t now, char *buf)
{
	char hex[65];

	token_mac(w, client, now, hex);
	snprintf(buf, WEB_TOKEN_LEN, "%" PRId64 ".%s", now, hex);
}

bool
web_csrf_check(const struct web *w, const struct addr *client, int64_t now,
    const char *token)
{
	char hex[65], *end;
	long long t;

	if (token == NULL || strlen(token) >= WEB_TOKEN_LEN)
		return false;
	t = strtoll(token, &end, 10);
	if (end == token || *end != '.' || strlen(end + 1) != 64)
		return false;
	if (t > now + 60 || now - t > WEB_TOKEN_LIFE)
		return false;
	token_mac(w, client, t, hex);
	return CRYPTO_memcmp(hex, end + 1, 64) == 0;
}

/* ---- Rate limits: a fixed table of counters per hour; the oldest goes when it is full ---- */

struct rl_slot {
	struct addr key;
	int64_t start;		/* the hour this count is of; 0 = free */
	uint32_t count;
};

struct ratelimit {
	struct rl_slot *v;
	size_t n;
	uint32_t limit;
};

#define RL_PROBE 16

struct ratelimit *
ratelimit_new(size_t slots, uint32_t limit)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl == NULL || (rl->v = calloc(slots, sizeof(*rl->v))) == NULL) {
		free(rl);
		return NULL;
	}
	rl->n = slots;
	rl->limit = limit;
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->v);
	free(rl);
}

static size_t
rl_hash(const struct addr *k)
{
	uint64_t h = 1469598103934665603ull;
	unsigned i;

	h = (h ^ k->fam) * 1099511628211ull;
	h = (h ^ k->plen) * 1099511628211ull;
	for (i = 0; i < addr_bytes(k->fam); i++)
		h = (h ^ k->a[i]) * 1099511628211ull;
	return (size_t)h;
}

static bool
same_key(const struct addr *a, const struct addr *b)
{
	return a->fam == b->fam && a->plen == b->plen &&
	    memcmp(a->a, b->a, addr_bytes(a->fam)) == 0;
}

bool
ratelimit_take(struct ratelimit *rl, const struct addr *key, int64_t now)
{
	size_t h = rl_hash(key), i;
	struct rl_slot *s, *victim = NULL;

	for (i = 0; i < RL_PROBE; i++) {
		s = &rl->v[(h + i) % rl->n];
		if (s->start != 0 && now - s->start >= 3600)
			s->start = 0;		/* its hour is over */
		if (s->start != 0 && same_key(&s->key, key))
			break;
		if (victim == NULL || s->start < victim->start)
			victim = s;
	}
	if (i == RL_PROBE) {
		s = victim;
		s->key = *key;
		s->start = now;
		s->count = 0;
	}
	if (s->count >= rl->limit)
		return false;
	s->count++;
	return true;
}

/* ---- The policy ---- */

enum removal_verdict
web_removal_verdict(int policy, bool listed, bool pending, int64_t last_self,
    uint32_t interval, int64_t now)
{
	if (!listed)
		return REMOVAL_NOT_LISTED;
	if (pending)
		return REMOVAL_PENDING;
	switch (policy) {
	case CONF_REMOVAL_SELF:
		if (last_self != 0 && now - last_self < (int64_t)interval)
			return REMOVAL_SELF_TOO_SOON;
		return REMOVAL_SELF_NOW;
	case CONF_REMOVAL_RETEST:
		return REMOVAL_RETEST;
	default:
		return REMOVAL_QUEUE;
	}
}

/* Checks of the form's texts; NULL when they pass, else what to tell the requester. */
static const char *
form_problem(const struct remove_form *f)
{
	char why[512];

	if (f->reason == NULL || *f->reason == '\0')
		return "Say what you fixed: the reason is required.";
	if (strlen(f->reason) > WEB_MAX_FIELD)
		return "The reason is too long (at most 1000 characters).";
	if (policy_check_text("reason", f->reason, POLICY_TEXT_LINES, why, sizeof(why)) != 0)
		return "The reason holds characters that are not allowed (control characters or "
		    "invalid UTF-8).";
	if (f->contact != NULL && *f->contact != '\0') {
		if (strlen(f->contact) > 200 || strchr(f->contact, '@') == NULL ||
		    policy_check_text("contact", f->contact, 0, why, sizeof(why)) != 0)
			return "The contact is not an e-mail address.";
	}
	return NULL;
}

/* Record the request (and for self-removal the delisting) in one commit. */
static int
write_request(struct web *w, const struct lookup *L, const struct zone_view *v,
    const struct remove_form *f, const struct addr *client, enum removal_verdict verdict,
    uint64_t *id)
{
	struct store_request rq;
	struct delisting d;
	enum store_outcome out;
	struct store_wr *wr;
	char cl[ADDR_STRLEN], why[64];
	int rc;

	memset(&rq, 0, sizeof(rq));
	rq.at = time_now();
	rq.zone = v->id;
	rq.net = L->a;
	rq.policy = (uint8_t)v->z->removal;
	rq.state = verdict == REMOVAL_SELF_NOW ? STORE_REQ_DONE :
	    verdict == REMOVAL_RETEST ? STORE_REQ_RETEST : STORE_REQ_PENDING;
	rq.reason = f->reason;
	rq.contact = f->contact != NULL && *f->contact != '\0' ? f->contact : NULL;
	rq.client = addr_format(client, cl, sizeof(cl));
	if ((rc = store_wr_begin(w->store, &wr)) != 0)
		return rc;
	if ((rc = store_request_add(wr, &rq)) != 0)
		goto fail;
	if (verdict == REMOVAL_RETEST) {
		struct verify_job job;
		bool cached;

		/*
		 * The relay tester decides (verify_apply.c settles the request
		 * with its verdict).  A test running now, or a recent verdict,
		 * leaves the request waiting for the next one.
		 */
		rc = verify_request(wr, w->conf, v->id, &L->a, NULL, false, rq.at, &job, &cached);
		if (rc != 0 && rc != RB_EBUSY)
			goto fail;
	}
	if (verdict == REMOVAL_SELF_NOW) {
		snprintf(why, sizeof(why), "self-removal, request #%" PRIu64, rq.id);
		memset(&d, 0, sizeof(d));
		d.net = L->a;
		d.at = rq.at;
		d.reason = why;
		d.by = "self-removal";
		if ((rc = store_delist(wr, v->id, &d, &out)) != 0)
			goto fail;
	}
	*id = rq.id;
	return store_wr_commit(wr);
fail:
	store_wr_abort(wr);
	return rc;
}

static void
decide(struct web *w, const struct lookup *L, const struct zone_view *v,
    const struct remove_form *f, const struct addr *client, struct reply *r)
{
	enum removal_verdict verdict;
	uint64_t id = 0;
	int64_t now = time_now(), last;
	char t[TIME_BUFLEN], msg[256];
	int rc;

	verdict = web_removal_verdict(v->z->removal, v->match == STORE_MATCH_LISTED,
	    lookup_pending(w, L, v->id, &id), lookup_last_self(L, v->id),
	    v->z->removal_interval, now);
	switch (verdict) {
	case REMOVAL_NOT_LISTED:
		web_error_page(w, r, 409, "Not listed", "This zone does not list the address: "
		    "there is nothing to remove.");
		return;
	case REMOVAL_PENDING:
		snprintf(msg, sizeof(msg), "Removal request #%" PRIu64 " for this address waits "
		    "already; its outcome will show on the lookup page.", id);
		web_error_page(w, r, 409, "Already requested", msg);
		return;
	case REMOVAL_SELF_TOO_SOON:
		last = lookup_last_self(L, v->id) + v->z->removal_interval;
		snprintf(msg, sizeof(msg), "This address was removed by self-removal recently; "
		    "the next self-removal is possible after %s. Write to the operator meanwhile.",
		    time_format(last, t, sizeof(t)));
		web_error_page(w, r, 429, "Self-removal used", msg);
		return;
	default:
		break;
	}
	if (!addr_is_host(&L->a) && memcmp(&L->a, &v->l.net, sizeof(L->a)) != 0) {
		web_error_page(w, r, 400, "Ask for one entry", "Ask for the removal of one "
		    "address, or of exactly the listed range.");
		return;
	}
	if ((rc = write_request(w, L, v, f, client, verdict, &id)) != 0) {
		log_warnx("removal request for %s: %s", L->text, rb_strerror(rc));
		web_error_page(w, r, 503, "Not recorded", "The request could not be recorded. "
		    "Try again in a minute.");
		return;
	}
	log_info("removal request #%" PRIu64 " for %s in %s (%s)", id, L->text, v->z->name,
	    lookup_policy_name(v->z->removal));
	r->status = 303;
	{
		struct buf loc = { 0 };

		buf_urlq(&loc, L->text);
		snprintf(r->location, sizeof(r->location), "/lookup?ip=%s&req=%" PRIu64,
		    loc.p != NULL ? loc.p : "", id);
		buf_free(&loc);
	}
}

void
web_remove(struct web *w, const struct remove_form *f, const struct addr *client,
    struct reply *r)
{
	const struct conf_zone *z;
	struct lookup L;
	struct addr a, ck;
	const char *why;
	int64_t now = time_now();
	size_t i;

	memset(&L, 0, sizeof(L));
	if (!web_csrf_check(w, client, now, f->csrf)) {
		web_error_page(w, r, 403, "Form expired", "The form was too old or did not come "
		    "from this site. Look the address up again and send the form from there.");
		return;
	}
	ck = *client;
	addr_mask(&ck, ck.fam == ADDR_V4 ? w->conf->web.client_prefix4 :
	    w->conf->web.client_prefix6);
	if (!ratelimit_take(w->per_client, &ck, now)) {
		web_error_page(w, r, 429, "Too many requests", "Too many removal requests from "
		    "your network this hour. Try again later.");
		return;
	}
	if (web_parse_addr(f->ip, &a, &why) != 0 || (z = conf_zone(w->conf, f->zone)) == NULL) {
		web_error_page(w, r, 400, "Bad request", "The form named no address or zone of "
		    "this list.");
		return;
	}
	if ((why = form_problem(f)) != NULL) {
		web_error_page(w, r, 400, "Check the form", why);
		return;
	}
	if (!ratelimit_take(w->per_address, &a, now)) {
		web_error_page(w, r, 429, "Too many requests", "Too many removal requests for "
		    "this address this hour. Try again later.");
		return;
	}
	if (store_reader_refresh(&w->rd) != 0 || lookup_collect(w, &a, now, &L) != 0) {
		lookup_free(&L);
		web_error_page(w, r, 503, "Not recorded", "The list could not be read. Try again "
		    "in a minute.");
		return;
	}
	for (i = 0; i < L.nz; i++)
		if (L.zv[i].z == z)
			decide(w, &L, &L.zv[i], f, client, r);
	lookup_free(&L);
}
