/* Zone transfer settings: allow-transfer, notify and the TSIG keys of [key NAME] sections. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_parse.h"
#include "conf_server.h"
#include "conf_xfr.h"
#include "rb.h"

static const char *const tsig_algorithms[] = {
	"hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512",
};

/* A "key NAME" reference, resolved once every [key] section is known. */
struct keyref {
	size_t zone;
	bool notify;		/* else allow-transfer */
	size_t item;
	char *name;		/* normalised: lower case, trailing dot */
	int line;
};

/* What reading the file needs beyond one line (s->xfr_parse). */
struct conf_xfr_parse {
	/* allow-transfer and notify: "key NAME" binds to the item before it. */
	int want_key;		/* line of a "key" still waiting for its name */
	bool have_item;		/* the last item of this key can take a key */
	struct keyref *refs;
	size_t nrefs;
	int *key_line;		/* per key: line of its [key] header */
};

static int
nomem(struct conf_parse *p)
{
	return conf_fail(p, "out of memory");
}

static struct conf_server *
server(struct conf_parse *p)
{
	return conf_parse_conf(p)->server;
}

/* The parse state, made on first use; NULL without memory. */
static struct conf_xfr_parse *
state(struct conf_parse *p)
{
	struct conf_server *s = server(p);

	if (s->xfr_parse == NULL)
		s->xfr_parse = calloc(1, sizeof(*s->xfr_parse));
	return s->xfr_parse;
}

/* ---- allow-transfer, notify ---- */

/* "key NAME" binds NAME to the last item; remember it for after the parse. */
static int
bind_key(struct conf_parse *p, struct conf_xfr_parse *st, bool notify, const char *name)
{
	struct conf_zone *z = conf_parse_zone(p);
	struct keyref *r;
	char norm[256];

	if (!conf_norm_key_name(name, norm, sizeof(norm)))
		return conf_fail(p, "key name '%s' is not a domain name", name);
	if ((r = conf_push(st->refs, st->nrefs, sizeof(*r))) == NULL)
		return nomem(p);
	st->refs = r;
	r = &r[st->nrefs];
	r->zone = (size_t)(z - conf_parse_conf(p)->zones);
	r->notify = notify;
	r->item = notify ? z->server->nnotify - 1 : z->server->nallow_transfer - 1;
	r->line = st->want_key;
	if ((r->name = strdup(norm)) == NULL)
		return nomem(p);
	st->nrefs++;
	st->have_item = false;
	st->want_key = 0;
	return 0;
}

static int
add_notify(struct conf_parse *p, struct conf_zone_server *zs, const char *item)
{
	struct conf_notify *n;
	struct sockaddr_storage sa;
	socklen_t len;

	if (conf_server_parse_sockaddr(item, &sa, &len) != 0)
		return conf_fail(p, "notify target '%s' is not ADDR[:PORT] or [IPV6][:PORT]",
		    item);
	if ((n = conf_push(zs->notify, zs->nnotify, sizeof(*n))) == NULL)
		return nomem(p);
	zs->notify = n;
	n = &n[zs->nnotify++];
	n->sa = sa;
	n->salen = len;
	conf_server_format_sockaddr(&sa, n->text, sizeof(n->text));
	return 0;
}

static int
add_allow_transfer(struct conf_parse *p, struct conf_zone_server *zs, const char *item)
{
	struct conf_xfr_acl *acl;
	const char *why = NULL;
	struct addr a;

	if (addr_parse_cidr(item, &a, &why) != 0)
		return conf_fail(p, "allow-transfer '%s' is not an address or CIDR range: %s",
		    item, why != NULL ? why : "syntax error");
	if ((acl = conf_push(zs->allow_transfer, zs->nallow_transfer, sizeof(*acl))) == NULL)
		return nomem(p);
	zs->allow_transfer = acl;
	acl[zs->nallow_transfer++].net = a;
	return 0;
}

/*
 * The items of allow-transfer and notify: addresses, each optionally
 * followed by "key NAME".  "key" may end one line and NAME start the next.
 */
static int
set_xfr_list(struct conf_parse *p, const char *v, bool notify)
{
	const char *what = notify ? "notify" : "allow-transfer";
	struct conf_zone_server *zs = conf_parse_zone(p)->server;
	struct conf_xfr_parse *st = state(p);
	char item[256];

	if (st == NULL)
		return nomem(p);
	while (conf_next_item(&v, item, sizeof(item))) {
		if (st->want_key) {
			if (bind_key(p, st, notify, item) != 0)
				return -1;
			continue;
		}
		if (!notify && strcasecmp(item, "serve-keys") == 0) {
			/* Keyed access: this secondary serves the keys too (SPEC). */
			if (!st->have_item)
				return conf_fail(p, "allow-transfer: 'serve-keys' must follow an "
				    "address (ADDR [key NAME] serve-keys)");
			zs->allow_transfer[zs->nallow_transfer - 1].serve_keys = true;
			continue;
		}
		if (strcasecmp(item, "key") == 0) {
			if (!st->have_item)
				return conf_fail(p, "%s: 'key' must follow an address (ADDR key "
				    "NAME)", what);
			st->want_key = conf_parse_line(p);
			continue;
		}
		if ((notify ? add_notify(p, zs, item) : add_allow_transfer(p, zs, item)) != 0)
			return -1;
		st->have_item = true;
	}
	return 0;
}

int
conf_xfr_set_allow_transfer(struct conf_parse *p, const char *v)
{
	return set_xfr_list(p, v, false);
}

int
conf_xfr_set_notify(struct conf_parse *p, const char *v)
{
	return set_xfr_list(p, v, true);
}

/* A "key" left without its name when its key's lines end. */
int
conf_xfr_value_end(struct conf_parse *p)
{
	struct conf_xfr_parse *st = server(p)->xfr_parse;
	int line;

	if (st == NULL)
		return 0;
	line = st->want_key;
	st->have_item = false;
	if (line == 0)
		return 0;
	st->want_key = 0;
	return conf_fail_at(p, NULL, line, "'key' without a name (ADDR key NAME)");
}

/* ---- [key NAME] ---- */

/* Strict base64 (RFC 4648 s4): whole quanta, padding only at the end. */
static bool
is_base64(const char *s)
{
	size_t n = strlen(s), i, pad = 0;

	if (n == 0 || n % 4 != 0)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || !(isalnum(ch) || ch == '+' || ch == '/'))
			return false;
	}
	return pad <= 2;
}

int
conf_xfr_open_key(struct conf_parse *p, const char *name, const char *written)
{
	struct conf_server *s = server(p);
	struct conf_xfr_parse *st = state(p);
	struct conf_key *k;
	int *lines;
	size_t i;

	if (st == NULL)
		return nomem(p);
	for (i = 0; i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return conf_fail(p, "key %s defined twice (first on line %d)", written,
			    st->key_line[i]);
	if ((k = conf_push(s->keys, s->nkeys, sizeof(*k))) == NULL)
		return nomem(p);
	s->keys = k;
	if ((lines = conf_push(st->key_line, s->nkeys, sizeof(*lines))) == NULL)
		return nomem(p);
	st->key_line = lines;
	st->key_line[s->nkeys] = conf_parse_line(p);
	k = &k[s->nkeys++];
	if ((k->name = strdup(name)) == NULL)
		return nomem(p);
	return 0;
}

/* The key whose section is being read: the last, as a key is defined once. */
static struct conf_key *
cur_key(struct conf_parse *p)
{
	return &server(p)->keys[server(p)->nkeys - 1];
}

int
conf_xfr_set_algorithm(struct conf_parse *p, const char *v)
{
	struct conf_key *k = cur_key(p);
	size_t i;

	for (i = 0; i < RB_ARRAY_LEN(tsig_algorithms); i++) {
		if (strcasecmp(v, tsig_algorithms[i]) == 0) {
			if ((k->algorithm = strdup(tsig_algorithms[i])) == NULL)
				return nomem(p);
			return 0;
		}
	}
	return conf_fail(p, "algorithm '%s' is unknown (use hmac-sha256, or hmac-md5, hmac-sha1, "
	    "hmac-sha224, hmac-sha384, hmac-sha512)", v);
}

int
conf_xfr_set_secret(struct conf_parse *p, const char *v)
{
	struct conf_key *k = cur_key(p);

	if (!is_base64(v))
		return conf_fail(p, "secret of key %s is not base64 (e.g. from "
		    "`openssl rand -base64 32`)", k->name);
	if ((k->secret = strdup(v)) == NULL)
		return nomem(p);
	return 0;
}

/* ---- After the file ---- */

static const struct conf_key *
find_key(const struct conf_server *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

/* Every key complete, every "key NAME" bound to its key. */
int
conf_xfr_finish(struct conf_parse *p)
{
	struct conf *c = conf_parse_conf(p);
	struct conf_server *s = c->server;
	struct conf_xfr_parse *st = s->xfr_parse;
	const struct conf_key *k;
	size_t i;

	if (st == NULL)
		return 0;
	for (i = 0; i < s->nkeys; i++) {
		if (s->keys[i].algorithm == NULL)
			return conf_fail_at(p, NULL, st->key_line[i], "key %s has no algorithm "
			    "(add algorithm = hmac-sha256)", s->keys[i].name);
		if (s->keys[i].secret == NULL)
			return conf_fail_at(p, NULL, st->key_line[i], "key %s has no secret "
			    "(add secret = BASE64)", s->keys[i].name);
	}
	for (i = 0; i < st->nrefs; i++) {
		struct keyref *r = &st->refs[i];
		struct conf_zone_server *zs = c->zones[r->zone].server;

		if ((k = find_key(s, r->name)) == NULL)
			return conf_fail_at(p, NULL, r->line, "unknown key %s (define it in a "
			    "[key NAME] section)", r->name);
		if (r->notify)
			zs->notify[r->item].key = k;
		else
			zs->allow_transfer[r->item].key = k;
	}
	return 0;
}

void
conf_xfr_free_parse(struct conf_server *s)
{
	struct conf_xfr_parse *st = s->xfr_parse;
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nrefs; i++)
		free(st->refs[i].name);
	free(st->refs);
	free(st->key_line);
	free(st);
	s->xfr_parse = NULL;
}

void
conf_xfr_free(struct conf_server *s)
{
	size_t i;

	conf_xfr_free_parse(s);
	for (i = 0; i < s->nkeys; i++) {
		free(s->keys[i].name);
		free(s->keys[i].algorithm);
		free(s->keys[i].secret);
	}
	free(s->keys);
}
