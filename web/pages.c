/* The home page, the status page of the service (zones, serials, counts) and error pages. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "lookup.h"
#include "rb.h"
#include "timeutil.h"

void
web_error_page(struct web *w, struct reply *r, unsigned status, const char *title,
    const char *msg)
{
	r->status = status;
	buf_free(&r->body);
	html_begin(&r->body, title, w->site, NULL);
	buf_puts(&r->body, "<h1>");
	buf_escs(&r->body, title);
	buf_puts(&r->body, "</h1>\n<p class=\"notice err\" role=\"alert\">");
	buf_escs(&r->body, msg);
	buf_puts(&r->body, "</p>\n");
	html_end(&r->body);
}

void
web_home_page(struct web *w, struct reply *r)
{
	size_t i;

	r->status = 200;
	html_begin(&r->body, "Lookup", w->site, NULL);
	buf_puts(&r->body, "<h1>Is your mail server listed?</h1>\n<section class=\"card\">\n"
	    "<p>This list names hosts that relayed mail for strangers (open relays) or sent "
	    "abuse. Mail servers ask it over DNS before they accept a message. Enter the "
	    "address of your mail server above to see whether it is listed, why, and how to "
	    "ask for its removal.</p>\n<p>Zones:</p>\n<ul>\n");
	for (i = 0; i < w->conf->nzones; i++) {
		buf_puts(&r->body, "<li><code>");
		buf_escs(&r->body, w->conf->zones[i].name);
		buf_printf(&r->body, "</code>: %s</li>\n",
		    w->conf->zones[i].removal == CONF_REMOVAL_SELF ? "listed parties may remove "
		    "themselves once they fixed the problem" :
		    w->conf->zones[i].removal == CONF_REMOVAL_RETEST ? "a new relay test decides "
		    "removal requests" : "the operator decides removal requests");
	}
	buf_puts(&r->body, "</ul>\n</section>\n");
	html_end(&r->body);
}

struct zone_status {
	const struct conf_zone *z;
	struct store_zone sz;
	uint64_t listed;
	bool ok;
};

static void
status_collect(struct web *w, struct zone_status *st)
{
	size_t i;

	for (i = 0; i < w->conf->nzones; i++) {
		st[i].z = &w->conf->zones[i];
		st[i].ok = store_zone_get(&w->rd, w->zone_ids[i], &st[i].sz) == RB_OK &&
		    store_zone_listings(&w->rd, w->zone_ids[i], &st[i].listed) == RB_OK;
	}
}

static void
status_json(struct web *w, const struct zone_status *st, struct reply *r)
{
	json_t *root = json_object(), *zones = json_array(), *o;
	char t[TIME_BUFLEN], *s;
	size_t i;

	for (i = 0; i < w->conf->nzones; i++) {
		o = json_object();
		json_object_set_new(o, "zone", json_string(st[i].z->name));
		json_object_set_new(o, "serial", st[i].ok ? json_integer(st[i].sz.serial) :
		    json_null());
		json_object_set_new(o, "listed", json_integer((json_int_t)st[i].listed));
		json_object_set_new(o, "changed", st[i].ok && st[i].sz.changed ?
		    json_string(time_format(st[i].sz.changed, t, sizeof(t))) : json_null());
		json_object_set_new(o, "removal", json_string(lookup_policy_name(st[i].z->removal)));
		json_array_append_new(zones, o);
	}
	json_object_set_new(root, "zones", zones);
	r->type = "application/json";
	if ((s = json_dumps(root, JSON_INDENT(2))) != NULL) {
		buf_puts(&r->body, s);
		buf_puts(&r->body, "\n");
		free(s);
	} else {
		r->body.oom = true;
	}
	json_decref(root);
}

void
web_status_page(struct web *w, struct reply *r, bool json)
{
	struct zone_status *st;
	char t[TIME_BUFLEN];
	size_t i;

	if ((st = calloc(w->conf->nzones ? w->conf->nzones : 1, sizeof(*st))) == NULL) {
		r->body.oom = true;
		return;
	}
	status_collect(w, st);
	r->status = 200;
	if (json) {
		status_json(w, st, r);
		free(st);
		return;
	}
	html_begin(&r->body, "Status", w->site, NULL);
	buf_puts(&r->body, "<h1>Service status</h1>\n<div class=\"scroll\"><table class=\"stack\">\n<thead><tr>"
	    "<th scope=\"col\">Zone</th><th scope=\"col\">Serial</th><th scope=\"col\">Listed"
	    "</th><th scope=\"col\">Last change</th><th scope=\"col\">Removal</th></tr></thead>"
	    "\n<tbody>\n");
	for (i = 0; i < w->conf->nzones; i++) {
		buf_puts(&r->body, "<tr><td data-label=\"Zone\"><code>");
		buf_escs(&r->body, st[i].z->name);
		if (!st[i].ok) {
			buf_puts(&r->body, "</code></td><td colspan=\"4\">not yet in the store</td>"
			    "</tr>\n");
			continue;
		}
		buf_printf(&r->body, "</code></td><td data-label=\"Serial\">%u</td>"
		    "<td data-label=\"Listed\">%llu</td><td data-label=\"Last change\">%s</td>"
		    "<td data-label=\"Removal\">%s</td></tr>\n", st[i].sz.serial, (unsigned long long)st[i].listed,
		    st[i].sz.changed ? time_format(st[i].sz.changed, t, sizeof(t)) : "-",
		    lookup_policy_name(st[i].z->removal));
	}
	buf_puts(&r->body, "</tbody></table></div>\n");
	html_end(&r->body);
	free(st);
}
