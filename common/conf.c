/* The INI configuration both programs read (libinih): the parser, and the keys both use. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "conf.h"
#include "conf_verify.h"
#include "conf_parse.h"
#include "policy.h"
#include "privs.h"
#include "rb.h"
#include "timeutil.h"

/* Defaults of keys left out. */
#define CONF_DEFAULT_DB "/var/lib/rbldb"
#define CONF_DEFAULT_CODE 0x7f000002u		/* 127.0.0.2, RFC 5782 s2.1 */
#define CONF_DEFAULT_TTL 2100
#define CONF_DEFAULT_LIFETIME (30u * 86400)
#define CONF_DEFAULT_MAX_RANGE4 16
#define CONF_DEFAULT_MAX_RANGE6 48
#define CONF_DEFAULT_MAX_CHANGE 1000		/* the same as the store's default */
#define CONF_DEFAULT_MAX_CHANGE_PCT 5

enum section { SEC_NONE, SEC_SERVER, SEC_ZONE, SEC_KEY, SEC_WEB, SEC_VERIFY };

enum keykind {
	KEY_SCALAR,		/* one value; given twice is an error */
	KEY_TEXT,		/* one value; continuation lines append to it */
	KEY_LIST,		/* accumulates over repeated keys and continuation lines */
};

/* A key of a section: parsed here (SET), or by rbldbd's hooks (HOOK). */
struct keydef {
	const char *name;
	enum keykind kind;
	conf_set_fn *set;
	enum conf_hook_key hook;
};

#define MAX_KEYS 32

struct conf_parse {
	struct conf *c;
	const struct conf_hooks *hooks;	/* NULL: rbldbd's keys are skipped */
	FILE *fp;
	char *err;
	size_t errlen;
	int fail_line;		/* line of the first error, 0 = none */
	bool failed;

	/* State of the line inih is working on; the reader sets it. */
	int line;		/* lines handed to inih so far */
	bool cont;		/* an indented line continuing the previous key */
	bool keyed;		/* a key was seen in this section (inih's prev_name) */
	enum section sec;
	char secname[256];	/* "server", "zone relays.example.org" */
	size_t cur;		/* index of the current zone */
	int seen[MAX_KEYS];	/* line each scalar key of this section was set on */
	int server_seen[MAX_KEYS];	/* [server] may come back: remembered apart */

	int *apex_line;		/* per zone: line of its apex key */
	int default_zone_line;
};

static conf_set_fn set_db, set_mapsize, set_default_zone;
static conf_set_fn set_apex;

/*
 * Every key of every section.  Those with a hook are rbldbd's: named here
 * so that rbldb, which skips them, refuses a typo all the same.
 */
static const struct keydef server_keys[] = {
	{ "listen", KEY_LIST, .hook = CONF_HOOK_LISTEN },
	{ "db", KEY_SCALAR, .set = set_db },
	{ "threads", KEY_SCALAR, .hook = CONF_HOOK_THREADS },
	{ "user", KEY_SCALAR, .hook = CONF_HOOK_USER },
	{ "mapsize", KEY_SCALAR, .set = set_mapsize },
	{ "default-zone", KEY_SCALAR, .set = set_default_zone },
	{ "xfr-timeout", KEY_SCALAR, .hook = CONF_HOOK_XFR_TIMEOUT },
	{ "chroot", KEY_SCALAR, .hook = CONF_HOOK_CHROOT },
	{ "acl", KEY_LIST, .hook = CONF_HOOK_ACL },
	{ "rrl-rate", KEY_SCALAR, .hook = CONF_HOOK_RRL_RATE },
	{ "rrl-slip", KEY_SCALAR, .hook = CONF_HOOK_RRL_SLIP },
	{ "rrl-exempt", KEY_LIST, .hook = CONF_HOOK_RRL_EXEMPT },
	{ "tcp-max-conns", KEY_SCALAR, .hook = CONF_HOOK_TCP_MAX_CONNS },
	{ "tcp-max-conns-per-client", KEY_SCALAR, .hook = CONF_HOOK_TCP_MAX_CONNS_CLIENT },
	{ "tcp-idle-timeout", KEY_SCALAR, .hook = CONF_HOOK_TCP_IDLE },
	{ "tcp-message-timeout", KEY_SCALAR, .hook = CONF_HOOK_TCP_MESSAGE },
	{ "tcp-max-queries", KEY_SCALAR, .hook = CONF_HOOK_TCP_MAX_QUERIES },
	{ "udp-batch-wait", KEY_SCALAR, .hook = CONF_HOOK_UDP_BATCH_WAIT },
	{ "metrics", KEY_SCALAR, .hook = CONF_HOOK_METRICS },
	{ "query-log", KEY_SCALAR, .hook = CONF_HOOK_QUERY_LOG },
	{ "query-log-format", KEY_SCALAR, .hook = CONF_HOOK_QUERY_LOG_FORMAT },
	{ "nsid", KEY_SCALAR, .hook = CONF_HOOK_NSID },
	{ "syslog", KEY_SCALAR, .hook = CONF_HOOK_SYSLOG },
	{ "keys", KEY_SCALAR, .hook = CONF_HOOK_KEYS },
	{ "key-refusal", KEY_SCALAR, .hook = CONF_HOOK_KEY_REFUSAL },
	{ "key-day-start", KEY_SCALAR, .hook = CONF_HOOK_KEY_DAY_START },
	{ .name = NULL },
};

static const struct keydef zone_keys[] = {
	{ "apex", KEY_SCALAR, .set = set_apex },
	{ "family", KEY_SCALAR, .set = conf_zone_family },
	{ "code", KEY_SCALAR, .set = conf_zone_code },
	{ "text", KEY_TEXT, .set = conf_zone_text },
	{ "ttl", KEY_SCALAR, .set = conf_zone_ttl },
	{ "lifetime", KEY_SCALAR, .set = conf_zone_lifetime },
	{ "max-range", KEY_SCALAR, .set = conf_zone_max_range },
	{ "max-range6", KEY_SCALAR, .set = conf_zone_max_range6 },
	{ "max-change", KEY_SCALAR, .set = conf_zone_max_change },
	{ "never-list", KEY_LIST, .set = conf_zone_never },
	{ "kind", KEY_SCALAR, .set = set_kind },
	{ "never-list-names", KEY_LIST, .set = set_never_names },
	{ "zones", KEY_LIST, .set = set_members },
	{ "answer", KEY_SCALAR, .set = set_answer },
	{ "verify", KEY_SCALAR, .set = conf_verify_zone },
	{ "allow-transfer", KEY_LIST, .hook = CONF_HOOK_ALLOW_TRANSFER },
	{ "notify", KEY_LIST, .hook = CONF_HOOK_NOTIFY },
	{ "journal-max", KEY_SCALAR, .hook = CONF_HOOK_JOURNAL_MAX },
	{ "journal-age", KEY_SCALAR, .hook = CONF_HOOK_JOURNAL_AGE },
	{ "keys", KEY_SCALAR, .hook = CONF_HOOK_KEYS },
	{ "key-refusal", KEY_SCALAR, .hook = CONF_HOOK_KEY_REFUSAL },
	{ "acl", KEY_LIST, .hook = CONF_HOOK_ACL },
	{ "rrl-rate", KEY_SCALAR, .hook = CONF_HOOK_RRL_RATE },
	{ "rrl-slip", KEY_SCALAR, .hook = CONF_HOOK_RRL_SLIP },
	{ "removal", KEY_SCALAR, .set = conf_zone_removal },
	{ "removal-interval", KEY_SCALAR, .set = conf_zone_removal_interval },
	{ "authority-ns", KEY_SCALAR, .set = conf_zone_authority_ns },
	{ .name = NULL },
};

/* [web]: rbldb-web's keys (common/conf_web.c). */
static const struct keydef web_keys[] = {
	{ "listen", KEY_LIST, .set = conf_web_listen },
	{ "trusted-proxy", KEY_LIST, .set = conf_web_proxy },
	{ "requests-per-client", KEY_SCALAR, .set = conf_web_per_client },
	{ "requests-per-address", KEY_SCALAR, .set = conf_web_per_address },
	{ "client-prefix", KEY_SCALAR, .set = conf_web_prefix4 },
	{ "client-prefix6", KEY_SCALAR, .set = conf_web_prefix6 },
	{ "user", KEY_SCALAR, .set = conf_web_user },
	{ "secret-file", KEY_SCALAR, .set = conf_web_secret },
	{ "title", KEY_TEXT, .set = conf_web_title },
	{ .name = NULL },
};

/* TSIG keys: only rbldbd signs and checks. */
static const struct keydef key_keys[] = {
	{ "algorithm", KEY_SCALAR, .hook = CONF_HOOK_ALGORITHM },
	{ "secret", KEY_SCALAR, .hook = CONF_HOOK_SECRET },
	{ .name = NULL },
};

/* The relay tester's keys (conf_verify.c). */
static const struct keydef verify_keys[] = {
	{ "secret", KEY_SCALAR, .set = conf_verify_secret },
	{ "dropbox", KEY_SCALAR, .set = conf_verify_dropbox },
	{ "helo", KEY_SCALAR, .set = conf_verify_helo },
	{ "url", KEY_SCALAR, .set = conf_verify_url },
	{ "from", KEY_SCALAR, .set = conf_verify_from },
	{ "port", KEY_SCALAR, .set = conf_verify_port },
	{ "min-interval", KEY_SCALAR, .set = conf_verify_min_interval },
	{ "timeout", KEY_SCALAR, .set = conf_verify_timeout },
	{ "data-timeout", KEY_SCALAR, .set = conf_verify_data_timeout },
	{ "window", KEY_SCALAR, .set = conf_verify_window },
	{ "concurrency", KEY_SCALAR, .set = conf_verify_concurrency },
	{ "rate", KEY_SCALAR, .set = conf_verify_rate },
	{ "never-test", KEY_LIST, .set = conf_verify_never },
	{ .name = NULL },
};

/* ---- For parsers of values (conf_parse.h) ---- */

static int
vfail(struct conf_parse *p, const char *file, int line, const char *fmt, va_list ap)
{
	int n = 0;

	if (p->failed)
		return -1;
	p->failed = true;
	p->fail_line = line;
	if (p->err == NULL || p->errlen == 0)
		return -1;
	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", file, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", file);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	return -1;
}

int
conf_fail_at(struct conf_parse *p, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, file != NULL ? file : p->c->path, line, fmt, ap);
	va_end(ap);
	return -1;
}

int
conf_fail(struct conf_parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, p->c->path, p->line, fmt, ap);
	va_end(ap);
	return -1;
}

static int
nomem(struct conf_parse *p)
{
	return conf_fail(p, "out of memory");
}

struct conf *
conf_parse_conf(struct conf_parse *p)
{
	return p->c;
}

struct conf_zone *
conf_parse_zone(struct conf_parse *p)
{
	return p->sec == SEC_ZONE ? &p->c->zones[p->cur] : NULL;
}

int
conf_parse_line(const struct conf_parse *p)
{
	return p->line;
}

bool
conf_parse_continued(const struct conf_parse *p)
{
	return p->cont;
}

/* ---- [server] ---- */

static int
set_db(struct conf_parse *p, const char *v)
{
	if (*v == '\0')
		return conf_fail(p, "db is empty (name the store directory, e.g. db = ../var/db)");
	free(p->c->db);
	if ((p->c->db = conf_resolve_path(p->c, v)) == NULL)
		return nomem(p);
	return 0;
}

static int
set_mapsize(struct conf_parse *p, const char *v)
{
	static const char units[] = "kmgt";
	unsigned long long n, mult = 1;
	const char *u;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		goto bad;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		goto bad;
	if (*end != '\0') {
		if ((u = strchr(units, tolower((unsigned char)*end))) == NULL || end[1] != '\0')
			goto bad;
		mult = 1ull << (10 * (u - units + 1));
	}
	if (n > SIZE_MAX / mult)
		goto bad;
	n *= mult;
	/* LMDB needs room for its meta pages and trees; below that it fails oddly. */
	if (n != 0 && n < (1u << 20))
		return conf_fail(p, "mapsize '%s' is too small (use at least 1M, e.g. 16G)", v);
	p->c->mapsize = (size_t)n;
	return 0;
bad:
	return conf_fail(p,
	    "mapsize '%s' is not a size (use bytes or a K, M, G, T suffix, e.g. 16G)", v);
}

static int
set_default_zone(struct conf_parse *p, const char *v)
{
	char name[256];

	if (!conf_norm_zone_name(v, name, sizeof(name)))
		return conf_fail(p, "default-zone '%s' is not a zone name", v);
	free(p->c->default_zone);
	if ((p->c->default_zone = strdup(name)) == NULL)
		return nomem(p);
	p->default_zone_line = p->line;
	return 0;
}

/* ---- [zone NAME] ---- */

static struct conf_zone *
cur_zone(struct conf_parse *p)
{
	return &p->c->zones[p->cur];
}

static int
set_apex(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = cur_zone(p);

	if (*v == '\0')
		return conf_fail(p, "apex is empty (name the zone's apex file: SOA and NS)");
	if ((z->apex_path = conf_resolve_path(p->c, v)) == NULL)
		return nomem(p);
	p->apex_line[p->cur] = p->line;
	return 0;
}

/* ---- Sections and the inih callbacks ---- */

static int
open_zone(struct conf_parse *p, const char *arg)
{
	struct conf *c = p->c;
	struct conf_zone *z;
	char name[256], origin[260];
	int *lines;
	size_t i;

	if (*arg == '\0')
		return conf_fail(p, "[zone] needs the zone's name ([zone relays.example.org])");
	if (!conf_norm_zone_name(arg, name, sizeof(name)))
		return conf_fail(p, "[zone %s]: '%s' is not a domain name", arg, arg);
	for (i = 0; i < c->nzones; i++)
		if (strcmp(c->zones[i].name, name) == 0)
			return conf_fail(p, "zone %s defined twice (first on line %d; merge the "
			    "sections)", name, c->zones[i].line);
	if ((z = conf_push(c->zones, c->nzones, sizeof(*z))) == NULL)
		return nomem(p);
	c->zones = z;
	if ((lines = conf_push(p->apex_line, c->nzones, sizeof(*lines))) == NULL)
		return nomem(p);
	p->apex_line = lines;
	z = &z[c->nzones++];
	p->cur = c->nzones - 1;

	z->family = ZONE_FAMILY_BOTH;
	z->code = CONF_DEFAULT_CODE;
	z->ttl = CONF_DEFAULT_TTL;
	z->lifetime = CONF_DEFAULT_LIFETIME;
	z->max_range4 = CONF_DEFAULT_MAX_RANGE4;
	conf_zone_removal_defaults(z);
	z->max_range6 = CONF_DEFAULT_MAX_RANGE6;
	z->max_change = CONF_DEFAULT_MAX_CHANGE;
	z->max_change_pct = CONF_DEFAULT_MAX_CHANGE_PCT;
	z->line = p->line;
	snprintf(origin, sizeof(origin), "%s.", name);
	if ((z->name = strdup(name)) == NULL || (z->file = strdup(c->path)) == NULL ||
	    (z->origin = ldns_dname_new_frm_str(origin)) == NULL)
		return nomem(p);
	if (p->hooks != NULL && p->hooks->zone != NULL)
		return p->hooks->zone(p, z);
	return 0;
}

/* A TSIG key: only its name is checked here, rbldbd's hooks keep the key. */
static int
open_key(struct conf_parse *p, const char *arg)
{
	char name[260];

	if (*arg == '\0')
		return conf_fail(p, "[key] needs the key's name ([key xfr])");
	if (!conf_norm_key_name(arg, name, sizeof(name)))
		return conf_fail(p, "[key %s]: '%s' is not a domain name", arg, arg);
	if (p->hooks != NULL && p->hooks->key != NULL)
		return p->hooks->key(p, name, arg);
	return 0;
}

/* The lines of a key's value have ended: a hook that carries state over them settles it. */
static int
value_end(struct conf_parse *p)
{
	if (p->hooks == NULL || p->hooks->value_end == NULL)
		return 0;
	return p->hooks->value_end(p);
}

/* "[ server ]", "[zone NAME]", "[key NAME]": the text between the brackets. */
static int
open_section(struct conf_parse *p, const char *line)
{
	char buf[256], *s = buf, *end, *arg;

	/* inih reads the line after us: work on a copy. */
	snprintf(buf, sizeof(buf), "%s", line);
	if ((end = strchr(s, ']')) == NULL)
		return conf_fail(p, "section header without ']'");
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	while (isspace((unsigned char)*s))
		s++;
	snprintf(p->secname, sizeof(p->secname), "%s", s);
	memset(p->seen, 0, sizeof(p->seen));
	for (arg = s; *arg != '\0' && !isspace((unsigned char)*arg); arg++)
		;
	if (*arg != '\0')
		*arg++ = '\0';
	while (isspace((unsigned char)*arg))
		arg++;

	if (strcasecmp(s, "server") == 0 && *arg == '\0') {
		p->sec = SEC_SERVER;
		return 0;
	}
	if (strcasecmp(s, "zone") == 0) {
		p->sec = SEC_ZONE;
		return open_zone(p, arg);
	}
	if (strcasecmp(s, "aggregate") == 0) {
		p->sec = SEC_ZONE;
		if (open_zone(p, arg) != 0)
			return -1;
		p->c->zones[p->cur].kind = ZONE_KIND_AGGREGATE;
		return 0;
	}
	if (strcasecmp(s, "key") == 0) {
		p->sec = SEC_KEY;
		return open_key(p, arg);
	}
	if (strcasecmp(s, "web") == 0 && *arg == '\0') {
		p->sec = SEC_WEB;
		return 0;
	}
	if (strcasecmp(s, "verify") == 0 && *arg == '\0') {
		p->sec = SEC_VERIFY;
		return 0;
	}
	return conf_fail(p, "unknown section [%s] (use [server], [zone NAME], [aggregate NAME], "
	    "[key NAME], [web] or [verify])", p->secname);
}

/*
 * inih's line reader.  Counting lines here gives the handler its line
 * number (Debian builds inih without INI_HANDLER_LINENO); section headers
 * are read here too, so a section is known with its full name and line even
 * when it holds no keys.  Returning NULL after an error stops inih.
 */
static char *
reader(char *buf, int size, void *arg)
{
	struct conf_parse *p = arg;
	size_t len;
	char *s;
	int ch;

	if (p->failed || fgets(buf, size, p->fp) == NULL)
		return NULL;
	p->line++;
	len = strlen(buf);
	if (len > 0 && buf[len - 1] != '\n' && (ch = getc(p->fp)) != EOF) {
		/* inih would read the rest as a line of its own. */
		while (ch != EOF && ch != '\n')
			ch = getc(p->fp);
		conf_fail(p, "line longer than %d characters (split the list over repeated keys "
		    "or indented continuation lines)", size - 2);
		return NULL;
	}

	s = buf;
	if (p->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	/* As inih: an indented line after a key continues that key's value. */
	p->cont = isspace((unsigned char)*s) && p->keyed;
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '[' && !p->cont) {
		if (value_end(p) != 0)
			return NULL;
		p->keyed = false;
		if (open_section(p, s + 1) != 0)
			return NULL;
	}
	return buf;
}

static const char *
section_label(enum section sec)
{
	switch (sec) {
	case SEC_SERVER:
		return "[server]";
	case SEC_ZONE:
		return "[zone NAME]";
	case SEC_WEB:
		return "[web]";
	case SEC_VERIFY:
		return "[verify]";
	default:
		return "[key NAME]";
	}
}

/* The keys of the section being read, and where their first lines are noted; NULL outside one. */
static const struct keydef *
section_keys(struct conf_parse *p, int **seen)
{
	*seen = p->sec == SEC_SERVER ? p->server_seen : p->seen;
	switch (p->sec) {
	case SEC_SERVER:
		return server_keys;
	case SEC_ZONE:
		return zone_keys;
	case SEC_KEY:
		return key_keys;
	case SEC_WEB:
		return web_keys;
	case SEC_VERIFY:
		return verify_keys;
	default:
		return NULL;
	}
}

/* NAME among DEFS; NULL after telling it is unknown, with the keys that are. */
static const struct keydef *
find_key(struct conf_parse *p, const struct keydef *defs, const char *name)
{
	const struct keydef *d;
	char known[512];
	size_t n = 0;

	for (d = defs; d->name != NULL; d++)
		if (strcasecmp(d->name, name) == 0)
			return d;
	known[0] = '\0';
	for (d = defs; d->name != NULL && n < sizeof(known); d++)
		n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s",
		    n > 0 ? ", " : "", d->name);
	conf_fail(p, "unknown key '%s' in %s (known: %s)", name, section_label(p->sec), known);
	return NULL;
}

static int
handler(void *arg, const char *section, const char *name, const char *value)
{
	struct conf_parse *p = arg;
	const struct keydef *defs, *d;
	conf_set_fn *set;
	int *seen;

	(void)section;		/* inih cuts it at 50 characters; the reader has it whole */
	if (p->failed)
		return 0;
	if (!p->cont && value_end(p) != 0)
		return 0;
	p->keyed = true;
	if ((defs = section_keys(p, &seen)) == NULL) {
		conf_fail(p, "'%s' outside any section (put it under [server], [zone NAME] or "
		    "[key NAME])", name);
		return 0;
	}
	if ((d = find_key(p, defs, name)) == NULL)
		return 0;
	if (d->kind != KEY_LIST) {
		if (p->cont && d->kind == KEY_SCALAR) {
			conf_fail(p, "'%s' takes one value (remove the indentation if this line "
			    "is a key of its own)", d->name);
			return 0;
		}
		if (!p->cont && seen[d - defs] != 0) {
			conf_fail(p, "'%s' given twice in [%s] (first on line %d)", d->name,
			    p->secname, seen[d - defs]);
			return 0;
		}
		seen[d - defs] = p->line;
	}
	set = d->set;
	if (set == NULL && p->hooks != NULL)
		set = p->hooks->set[d->hook];
	/* rbldb: a key of rbldbd's, its name and shape checked, its value not read. */
	if (set == NULL)
		return 1;
	if (p->cont) {
		/* inih strips " ;comment" from key lines but not from continuations. */
		char buf[256], *c;

		snprintf(buf, sizeof(buf), "%s", value);
		for (c = buf; *c != '\0'; c++)
			if (*c == ';' && c > buf && isspace((unsigned char)c[-1]))
				break;
		while (c > buf && isspace((unsigned char)c[-1]))
			c--;
		*c = '\0';
		return set(p, buf) == 0;
	}
	return set(p, value) == 0;
}

/* ---- After the parse: zones, apex files, defaults ---- */

/*
 * rbldbd's hooks go first, so that an error of a TSIG key is told before
 * one of a zone, as it always was; none of them needs the apex files.
 */
static int
finish(struct conf_parse *p)
{
	struct conf *c = p->c;
	size_t i;

	if (p->hooks != NULL && p->hooks->finish != NULL && p->hooks->finish(p) != 0)
		return -1;
	if (c->nzones == 0)
		return conf_fail_at(p, NULL, 0, "no zone defined (add a [zone NAME] section "
		    "with apex = FILE)");
	for (i = 0; i < c->nzones; i++) {
		struct conf_zone *z = &c->zones[i];

		if (z->apex_path == NULL)
			return conf_fail_at(p, NULL, z->line, "zone %s has no apex (add apex = "
			    "FILE, the master file with its SOA and NS)", z->name);
		if (conf_apex_load(p, z, p->apex_line[i]) != 0 || conf_kind_check(p, z) != 0)
			return -1;
	}
	if (c->default_zone != NULL) {
		if (conf_zone(c, c->default_zone) == NULL)
			return conf_fail_at(p, NULL, p->default_zone_line, "default-zone %s is "
			    "not a zone of this file (name one of its [zone NAME] sections)",
			    c->default_zone);
	} else if (c->nzones == 1 && (c->default_zone = strdup(c->zones[0].name)) == NULL) {
		return nomem(p);
	}
	if (c->db == NULL && (c->db = strdup(CONF_DEFAULT_DB)) == NULL)
		return nomem(p);
	return conf_verify_finish(p);
}

struct conf *
conf_load(const char *path, const struct conf_hooks *hooks, char *err, size_t errlen)
{
	struct conf_parse p;
	struct conf *c;
	const char *slash;
	int rc;

	memset(&p, 0, sizeof(p));
	p.err = err;
	p.errlen = errlen;
	p.hooks = hooks;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->path = strdup(path)) == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: out of memory", path);
		free(c);
		return NULL;
	}
	p.c = c;
	c->hooks = hooks;
	conf_web_defaults(c);
	if ((slash = strrchr(path, '/')) == NULL)
		c->dir = strdup(".");
	else
		c->dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (c->dir == NULL) {
		conf_fail_at(&p, path, 0, "out of memory");
		goto out;
	}
	if (hooks != NULL && hooks->begin != NULL && hooks->begin(&p) != 0)
		goto out;
	if ((p.fp = privs_fopen_read(path)) == NULL) {
		conf_fail_at(&p, path, 0, "cannot read: %s", rb_strerror(-errno));
		goto out;
	}
	rc = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.fp);
	/* inih's own complaint: a line that is no key, section or comment. */
	if (rc > 0 && (!p.failed || rc < p.fail_line)) {
		p.failed = false;
		p.line = rc;
		conf_fail(&p, "expected 'key = value', '[section]' or a comment");
	} else if (rc < 0) {
		conf_fail_at(&p, path, 0, "out of memory");
	}
	if (!p.failed && value_end(&p) == 0)
		finish(&p);
out:
	free(p.apex_line);
	if (p.failed) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	/* First: the hooks' parts may point into the zones. */
	if (c->hooks != NULL && c->hooks->free != NULL)
		c->hooks->free(c);
	for (i = 0; i < c->nzones; i++) {
		struct conf_zone *z = &c->zones[i];

		free(z->name);
		if (z->origin != NULL)
			ldns_rdf_deep_free(z->origin);
		free(z->apex_path);
		/* z->soa is one of z->apex's records. */
		ldns_rr_list_deep_free(z->apex);
		free(z->text);
		free(z->never);
		conf_kind_free(z);
		free(z->file);
	}
	free(c->zones);
	conf_web_free(c);
	conf_verify_free(c->verify);
	free(c->db);
	free(c->default_zone);
	free(c->dir);
	free(c->path);
	free(c);
}

struct conf_zone *
conf_zone(const struct conf *c, const char *name)
{
	size_t i, n;

	if (name == NULL) {
		if (c->default_zone != NULL)
			name = c->default_zone;
		else
			return c->nzones == 1 ? &c->zones[0] : NULL;
	}
	n = strlen(name);
	if (n > 1 && name[n - 1] == '.')
		n--;
	for (i = 0; i < c->nzones; i++)
		if (strlen(c->zones[i].name) == n && strncasecmp(c->zones[i].name, name, n) == 0)
			return &c->zones[i];
	return NULL;
}
