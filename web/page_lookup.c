/* The lookup page and its JSON twin: an address in every zone, its history and its requests. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lookup.h"
#include "rb.h"
#include "timeutil.h"

static void
put_time(struct buf *b, int64_t t)
{
	char s[TIME_BUFLEN];

	time_format(t, s, sizeof(s));
	buf_printf(b, "<time datetime=\"%s\">", s);
	s[10] = ' ';
	s[16] = '\0';		/* "2026-11-27 10:00", UTC */
	buf_printf(b, "%s UTC</time>", s);
}

static void
put_code(struct buf *b, uint32_t code)
{
	buf_printf(b, "%u.%u.%u.%u", code >> 24, code >> 16 & 255, code >> 8 & 255, code & 255);
}

static uint32_t
code_of(const struct zone_view *v)
{
	return v->l.code != 0 ? v->l.code : v->z->code;
}

static void
policy_text(struct buf *b, const struct conf_zone *z)
{
	char d[32];

	switch (z->removal) {
	case CONF_REMOVAL_SELF:
		if (z->removal_interval % 86400 == 0)
			snprintf(d, sizeof(d), "%u day%s", z->removal_interval / 86400,
			    z->removal_interval == 86400 ? "" : "s");
		else
			time_format_duration(z->removal_interval, d, sizeof(d));
		buf_printf(b, "Fixed the problem? You can remove this address yourself: it is "
		    "delisted at once. Self-removal works once per address every %s; "
		    "if it is listed again within that time, the operator decides.", d);
		break;
	case CONF_REMOVAL_RETEST:
		buf_puts(b, "A removal request starts a new relay test of this address: when the "
		    "relay is closed, the address is delisted. Close the relay before you ask.");
		break;
	default:
		buf_puts(b, "A removal request goes to the list's operator, who decides. This page "
		    "shows the outcome.");
		break;
	}
}

static void
remove_form(struct web *w, const struct lookup *L, const struct zone_view *v,
    const struct addr *client, struct buf *b)
{
	char tok[WEB_TOKEN_LEN], idp[80];
	uint64_t id;

	if (lookup_pending(w, L, v->id, &id)) {
		buf_printf(b, "<p class=\"notice\">Removal request #%" PRIu64 " is %s.</p>\n", id,
		    lookup_state_name(STORE_REQ_PENDING));
		return;
	}
	snprintf(idp, sizeof(idp), "z%u", v->id);
	web_csrf_token(w, client, time_now(), tok);
	buf_puts(b, "<details class=\"remove\"><summary>Request removal</summary>\n<p>");
	policy_text(b, v->z);
	buf_puts(b, "</p>\n<form method=\"post\" action=\"/remove\">\n"
	    "<input type=\"hidden\" name=\"ip\" value=\"");
	buf_escs(b, L->text);
	buf_puts(b, "\">\n<input type=\"hidden\" name=\"zone\" value=\"");
	buf_escs(b, v->z->name);
	buf_printf(b, "\">\n<input type=\"hidden\" name=\"csrf\" value=\"%s\">\n", tok);
	buf_printf(b, "<div class=\"field\"><label for=\"%s-reason\">What did you fix?</label>"
	    "<textarea id=\"%s-reason\" name=\"reason\" required maxlength=\"%d\" "
	    "aria-describedby=\"%s-rh\"></textarea><p class=\"hint\" id=\"%s-rh\">Seen only by "
	    "the operator.</p></div>\n", idp, idp, WEB_MAX_FIELD, idp, idp);
	buf_printf(b, "<div class=\"field\"><label for=\"%s-contact\">Contact e-mail "
	    "(optional)</label><input type=\"email\" id=\"%s-contact\" name=\"contact\" "
	    "maxlength=\"200\" autocomplete=\"email\"></div>\n", idp, idp);
	buf_puts(b, "<button type=\"submit\">Send removal request</button>\n</form></details>\n");
}

static void
zone_card(struct web *w, const struct lookup *L, const struct zone_view *v,
    const struct addr *client, struct buf *b)
{
	bool listed = v->match == STORE_MATCH_LISTED;
	char net[ADDR_STRLEN];
	struct buf reason = { 0 };

	buf_printf(b, "<section class=\"card %s\" aria-labelledby=\"zh%u\">\n<h2 id=\"zh%u\">",
	    listed ? "listed" : "clear", v->id, v->id);
	buf_escs(b, v->z->name);
	buf_printf(b, "<span class=\"badge %s\">%s</span></h2>\n", listed ? "listed" : "clear",
	    listed ? "Listed" : "Not listed");
	if (!listed) {
		if (v->match == STORE_MATCH_EXCEPTED)
			buf_puts(b, "<p>Removed from a listed range: not listed.</p>\n");
		else
			buf_puts(b, "<p>This zone does not list it.</p>\n");
		if (v->inside > 0)
			buf_printf(b, "<p>%u listed address%s inside this range: look them up "
			    "one by one.</p>\n", v->inside, v->inside == 1 ? "" : "es");
		buf_puts(b, "</section>\n");
		return;
	}
	addr_format(&v->l.net, net, sizeof(net));
	buf_puts(b, "<dl>\n<dt>Reason</dt><dd>");
	lookup_reason(w, L, v, &reason);
	if (reason.oom)
		b->oom = true;
	else if (reason.n > 0)
		buf_esc(b, reason.p, reason.n);
	else
		buf_puts(b, "-");
	buf_free(&reason);
	buf_puts(b, "</dd>\n<dt>Answer</dt><dd><code>");
	put_code(b, code_of(v));
	buf_puts(b, "</code></dd>\n<dt>Listed entry</dt><dd><code>");
	buf_escs(b, net);
	buf_puts(b, "</code></dd>\n");
	if (v->have_detail) {
		buf_puts(b, "<dt>First seen</dt><dd>");
		put_time(b, v->d.first_seen);
		buf_puts(b, "</dd>\n<dt>Last seen</dt><dd>");
		put_time(b, v->d.last_seen);
		buf_printf(b, "</dd>\n<dt>Reports</dt><dd>%u</dd>\n", v->d.count);
	}
	buf_puts(b, "<dt>Expires</dt><dd>");
	if (v->l.expires != 0)
		put_time(b, v->l.expires);
	else
		buf_puts(b, "never (only removal ends it)");
	buf_puts(b, "</dd>\n</dl>\n");
	remove_form(w, L, v, client, b);
	buf_puts(b, "</section>\n");
}

static const char *
zone_name_of(struct web *w, uint16_t id)
{
	const struct conf_zone *z = web_zone_by_id(w, id);

	return z != NULL ? z->name : NULL;
}

/* The public part of a history record: never its source, evidence or who. */
static void
history_table(struct web *w, const struct lookup *L, struct buf *b)
{
	struct store_request rq;
	size_t i, shown = 0;

	buf_puts(b, "<section class=\"card\" aria-labelledby=\"hh\"><h2 id=\"hh\">History</h2>\n");
	for (i = 0; i < L->nh; i++) {
		const struct history *h = &L->hv[i].h;
		const char *zn = zone_name_of(w, h->zone);
		char net[ADDR_STRLEN];

		if (zn == NULL)
			continue;
		if (shown++ == 0)
			buf_puts(b, "<div class=\"scroll\"><table class=\"stack\">\n<thead><tr><th scope=\"col\">When"
			    "</th><th scope=\"col\">Zone</th><th scope=\"col\">Entry</th>"
			    "<th scope=\"col\">Event</th><th scope=\"col\">Details</th></tr></thead>"
			    "\n<tbody>\n");
		buf_puts(b, "<tr><td data-label=\"When\">");
		put_time(b, h->at);
		buf_puts(b, "</td><td data-label=\"Zone\">");
		buf_escs(b, zn);
		buf_puts(b, "</td><td data-label=\"Entry\"><code>");
		buf_escs(b, addr_format(&h->net, net, sizeof(net)));
		buf_printf(b, "</code></td><td data-label=\"Event\">%s</td>"
		    "<td data-label=\"Details\">", lookup_event_name(h->op));
		if (h->op == HISTORY_REQUEST) {
			buf_printf(b, "request #%u (%s)", h->code, lookup_policy_name(h->lifetime));
			if (store_request_get(&w->rd, h->code, &rq) == RB_OK)
				buf_printf(b, ": %s", lookup_state_name(rq.state));
		} else if (h->op == HISTORY_DECISION) {
			buf_printf(b, "request #%u %s", h->code,
			    h->lifetime == STORE_REQ_ACCEPTED ? "accepted" : "rejected");
			if (h->reason != NULL) {
				buf_puts(b, ": ");
				buf_escs(b, h->reason);
			}
		} else if (h->reason != NULL) {
			buf_escs(b, h->reason);
		}
		buf_puts(b, "</td></tr>\n");
	}
	if (shown == 0)
		buf_puts(b, "<p>No recorded events for this address.</p>\n");
	else
		buf_puts(b, "</tbody></table></div>\n");
	buf_puts(b, "</section>\n");
}

static void
request_notice(struct web *w, uint64_t req, const struct lookup *L, struct buf *b)
{
	struct store_request rq;

	if (req == 0 || store_request_get(&w->rd, req, &rq) != RB_OK ||
	    memcmp(&rq.net, &L->a, sizeof(rq.net)) != 0)
		return;
	buf_printf(b, "<p class=\"notice%s\" role=\"status\">Your removal request #%" PRIu64
	    " is %s.", rq.state == STORE_REQ_DONE || rq.state == STORE_REQ_ACCEPTED ? " ok" : "",
	    rq.id, lookup_state_name(rq.state));
	if (rq.state == STORE_REQ_RETEST)
		buf_puts(b, " The relay tester of this installation is not running yet; the "
		    "operator will decide meanwhile.");
	if (rq.state == STORE_REQ_DONE)
		buf_puts(b, " DNS answers change within seconds; resolvers may keep the old "
		    "answer until its TTL runs out.");
	buf_puts(b, "</p>\n");
}

void
web_lookup_page(struct web *w, const char *text, uint64_t req, const struct addr *client,
    struct reply *r)
{
	struct lookup L;
	struct addr a;
	const char *why;
	size_t i, nlisted = 0;

	if (web_parse_addr(text, &a, &why) != 0) {
		r->status = 400;
		html_begin(&r->body, "Not an address", w->site, text);
		buf_puts(&r->body, "<h1>Not an address</h1>\n<p class=\"notice err\" role=\"alert\">");
		buf_escs(&r->body, text != NULL ? text : "");
		buf_puts(&r->body, text != NULL && *text ? ": " : "");
		buf_escs(&r->body, why);
		buf_puts(&r->body, ". Enter an IPv4 address (192.0.2.5), an IPv6 address "
		    "(2001:db8::1) or a range (192.0.2.0/24).</p>\n");
		html_end(&r->body);
		return;
	}
	if (lookup_collect(w, &a, time_now(), &L) != 0) {
		lookup_free(&L);
		web_error_page(w, r, 500, "Lookup failed", "The list could not be read. Try "
		    "again in a minute.");
		return;
	}
	for (i = 0; i < L.nz; i++)
		nlisted += L.zv[i].match == STORE_MATCH_LISTED;
	r->status = 200;
	html_begin(&r->body, L.text, w->site, L.text);
	buf_puts(&r->body, "<h1>");
	buf_escs(&r->body, L.text);
	if (nlisted > 0)
		buf_printf(&r->body, " is listed in %zu of %zu zone%s</h1>\n", nlisted, L.nz,
		    L.nz == 1 ? "" : "s");
	else
		buf_puts(&r->body, " is not listed</h1>\n");
	request_notice(w, req, &L, &r->body);
	for (i = 0; i < L.nz; i++)
		zone_card(w, &L, &L.zv[i], client, &r->body);
	history_table(w, &L, &r->body);
	html_end(&r->body);
	lookup_free(&L);
}

static json_t *
jtime(int64_t t)
{
	char s[TIME_BUFLEN];

	return json_string(time_format(t, s, sizeof(s)));
}

static json_t *
zone_json(struct web *w, const struct lookup *L, const struct zone_view *v)
{
	json_t *o = json_object();
	char net[ADDR_STRLEN], code[16];
	struct buf reason = { 0 };
	uint32_t c;

	json_object_set_new(o, "zone", json_string(v->z->name));
	json_object_set_new(o, "listed", json_boolean(v->match == STORE_MATCH_LISTED));
	json_object_set_new(o, "excepted", json_boolean(v->match == STORE_MATCH_EXCEPTED));
	json_object_set_new(o, "removal", json_string(lookup_policy_name(v->z->removal)));
	if (!addr_is_host(&L->a))
		json_object_set_new(o, "listed_inside", json_integer(v->inside));
	if (v->match != STORE_MATCH_LISTED)
		return o;
	c = code_of(v);
	snprintf(code, sizeof(code), "%u.%u.%u.%u", c >> 24, c >> 16 & 255, c >> 8 & 255, c & 255);
	json_object_set_new(o, "code", json_string(code));
	json_object_set_new(o, "entry", json_string(addr_format(&v->l.net, net, sizeof(net))));
	lookup_reason(w, L, v, &reason);
	json_object_set_new(o, "reason", reason.n > 0 ? json_stringn(reason.p, reason.n) :
	    json_null());
	buf_free(&reason);
	if (v->have_detail) {
		json_object_set_new(o, "first_seen", jtime(v->d.first_seen));
		json_object_set_new(o, "last_seen", jtime(v->d.last_seen));
		json_object_set_new(o, "reports", json_integer(v->d.count));
	}
	json_object_set_new(o, "expires", v->l.expires ? jtime(v->l.expires) : json_null());
	return o;
}

static json_t *
history_json(struct web *w, const struct lookup *L)
{
	json_t *arr = json_array(), *o;
	struct store_request rq;
	char net[ADDR_STRLEN];
	size_t i;

	for (i = 0; i < L->nh; i++) {
		const struct history *h = &L->hv[i].h;
		const char *zn = zone_name_of(w, h->zone);

		if (zn == NULL)
			continue;
		o = json_object();
		json_object_set_new(o, "at", jtime(h->at));
		json_object_set_new(o, "zone", json_string(zn));
		json_object_set_new(o, "entry", json_string(addr_format(&h->net, net, sizeof(net))));
		json_object_set_new(o, "event", json_string(lookup_event_name(h->op)));
		if (h->op == HISTORY_REQUEST || h->op == HISTORY_DECISION) {
			json_object_set_new(o, "request", json_integer(h->code));
			if (store_request_get(&w->rd, h->code, &rq) == RB_OK)
				json_object_set_new(o, "state", json_string(lookup_state_name(rq.state)));
		}
		if (h->op != HISTORY_REQUEST && h->reason != NULL)
			json_object_set_new(o, "reason", json_string(h->reason));
		json_array_append_new(arr, o);
	}
	return arr;
}

void
web_lookup_json(struct web *w, const char *text, struct reply *r)
{
	json_t *root = json_object(), *zones;
	struct lookup L;
	struct addr a;
	const char *why;
	char *s;
	size_t i;

	r->type = "application/json";
	if (web_parse_addr(text, &a, &why) != 0) {
		r->status = 400;
		json_object_set_new(root, "error", json_string(why));
	} else if (lookup_collect(w, &a, time_now(), &L) != 0) {
		lookup_free(&L);
		r->status = 500;
		json_object_set_new(root, "error", json_string("the list could not be read"));
	} else {
		r->status = 200;
		json_object_set_new(root, "address", json_string(L.text));
		zones = json_array();
		for (i = 0; i < L.nz; i++)
			json_array_append_new(zones, zone_json(w, &L, &L.zv[i]));
		json_object_set_new(root, "zones", zones);
		json_object_set_new(root, "history", history_json(w, &L));
		lookup_free(&L);
	}
	if ((s = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII)) == NULL) {
		r->body.oom = true;
	} else {
		buf_puts(&r->body, s);
		buf_puts(&r->body, "\n");
		free(s);
	}
	json_decref(root);
}
