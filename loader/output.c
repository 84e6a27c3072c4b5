/* What the rbldb commands share: argument helpers, messages, text and JSON output. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "output.h"
#include "rb.h"
#include "timeutil.h"

int
cmd_fail(const char *cmd, int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		fprintf(stderr, "rbldb: %s: %s\n", cmd, msg);
	else
		fprintf(stderr, "rbldb: %s\n", msg);
	return code;
}

int
loader_open(struct loader *L, unsigned flags)
{
	const char *dbdir = L->dbdir;
	struct store_zone sz;
	size_t i;
	int rc;

	rc = store_open(&L->store, dbdir, L->conf->mapsize, flags);
	if (rc == RB_ENOSTORE)
		return cmd_fail(NULL, CMD_FAIL, "store %s does not exist; create it with rbldb "
		    "-c %s%s%s init", dbdir, L->confpath, L->dbopt != NULL ? " -D " : "",
		    L->dbopt != NULL ? L->dbopt : "");
	if (rc != 0 || (rc = store_set_origin(L->store, L->origin)) != 0)
		return cmd_fail(NULL, CMD_FAIL, "store %s: %s", dbdir, rb_strerror(rc));
	L->zone_ids = xcalloc(L->conf->nzones ? L->conf->nzones : 1, sizeof(*L->zone_ids));
	for (i = 0; i < L->conf->nzones; i++) {
		rc = store_zone_ensure(L->store, L->conf->zones[i].name,
		    L->conf->zones[i].apex_serial, &sz);
		if (rc != 0)
			return cmd_fail(NULL, CMD_FAIL, "store %s: zone %s: %s", dbdir,
			    L->conf->zones[i].name, rb_strerror(rc));
		L->zone_ids[i] = sz.id;
		/* Every commit of rbldb passes the zone's max-change guard (--force lifts it). */
		if ((rc = store_set_max_change(L->store, sz.id, L->conf->zones[i].max_change,
		    L->conf->zones[i].max_change_pct)) != 0)
			return cmd_fail(NULL, CMD_FAIL, "%s", rb_strerror(rc));
	}
	return 0;
}

const char *
cmd_plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

int
cmd_bad_option(const char *cmd, int opt, char **argv)
{
	/*
	 * getopt_long leaves optopt 0 for an unknown long option; the word it
	 * stopped at is then the one before optind.
	 */
	const char *word = argv[optind - 1];

	if (opt == ':')
		return cmd_fail(cmd, CMD_USAGE, "option %s needs a value (see rbldb --help)",
		    word);
	if (optopt != 0)
		return cmd_fail(cmd, CMD_USAGE, "unknown option -%c (see rbldb --help)",
		    optopt);
	return cmd_fail(cmd, CMD_USAGE, "unknown option %s (see rbldb --help)", word);
}

/* "a, b, c": the zone names, for messages that make the operator choose. */
static void
zone_names(const struct conf *c, char *buf, size_t len)
{
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < c->nzones && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
		    c->zones[i].name);
}

int
cmd_zone(const struct loader *L, const char *cmd, const char *name, size_t *idx)
{
	const struct conf_zone *z = conf_zone(L->conf, name);
	char names[512];

	if (z == NULL) {
		zone_names(L->conf, names, sizeof(names));
		if (name == NULL)
			return cmd_fail(cmd, CMD_USAGE,
			    "no --zone and no default zone (zones: %s)", names);
		return cmd_fail(cmd, CMD_USAGE, "unknown zone %s (zones: %s)", name, names);
	}
	*idx = (size_t)(z - L->conf->zones);
	return 0;
}

int
cmd_addr(const char *cmd, const char *text, struct addr *out)
{
	const char *why = NULL;
	struct addr v4;

	if (addr_parse_cidr(text, out, &why) != 0)
		return cmd_fail(cmd, CMD_USAGE, "bad address %s: %s", text,
		    why ? why : "not an IPv4 or IPv6 address or CIDR range");
	if (out->fam == ADDR_V6 && out->plen >= 96 && addr_is_v4mapped(out)) {
		addr_unmap(out, &v4);
		*out = v4;
	}
	return 0;
}

int
cmd_time(const char *cmd, const char *opt, const char *text, int64_t *t)
{
	if (time_parse_rfc3339(text, t) != 0)
		return cmd_fail(cmd, CMD_USAGE,
		    "bad %s %s (want RFC 3339, e.g. 2026-11-27T10:00:00Z)", opt, text);
	return 0;
}

int
cmd_duration(const char *cmd, const char *opt, const char *text, uint32_t *secs)
{
	if (time_parse_duration(text, secs) != 0)
		return cmd_fail(cmd, CMD_USAGE,
		    "bad %s %s (want a duration such as 90s, 15m, 12h, 30d)", opt, text);
	return 0;
}

int
cmd_reader(const struct loader *L, const char *cmd, struct store_reader *rd)
{
	int rc;

	if ((rc = store_reader_init(L->store, rd)) != 0)
		return cmd_fail(cmd, CMD_FAIL, "store: %s", rb_strerror(rc));
	if ((rc = store_reader_refresh(rd)) != 0) {
		store_reader_fini(rd);
		return cmd_fail(cmd, CMD_FAIL, "store: %s", rb_strerror(rc));
	}
	return 0;
}

const struct conf_zone *
cmd_zone_by_id(const struct loader *L, uint16_t id)
{
	size_t i;

	for (i = 0; i < L->conf->nzones; i++)
		if (L->zone_ids[i] == id)
			return &L->conf->zones[i];
	return NULL;
}

const char *
cmd_zone_name(const struct loader *L, struct store_reader *rd, uint16_t id, char *buf,
    size_t len)
{
	const struct conf_zone *z = cmd_zone_by_id(L, id);

	if (z != NULL)
		return z->name;
	if (store_zone_name(rd, id, buf, len) != 0)
		snprintf(buf, len, "zone#%u", (unsigned)id);
	return buf;
}

/* "would remove 100000 listings from Z, over max-change 5000" into BUF. */
static const char *
over_text(const struct loader *L, const struct store_change_over *o, char *buf, size_t len)
{
	const struct conf_zone *z = cmd_zone_by_id(L, o->zone);
	char zb[32];

	if (z == NULL)
		snprintf(zb, sizeof(zb), "zone#%u", (unsigned)o->zone);
	snprintf(buf, len, "would %s %u listing%s %s %s, over max-change %llu",
	    o->removed ? "remove" : "add", o->count, o->count == 1 ? "" : "s",
	    o->removed ? "from" : "to", z != NULL ? z->name : zb,
	    (unsigned long long)o->limit);
	return buf;
}

int
cmd_commit_fail(const struct loader *L, const char *cmd, int rc, const char *what)
{
	struct store_change_over o;
	char msg[512];

	if (rc == RB_EMAXCHANGE && store_max_change_over(L->store, &o))
		return cmd_fail(cmd, CMD_FAIL, "%s; nothing committed (add --force to do it)",
		    over_text(L, &o, msg, sizeof(msg)));
	return cmd_fail(cmd, CMD_FAIL, "%s: %s", what, rb_strerror(rc));
}

void
cmd_guard_note(const struct loader *L, int rc)
{
	struct store_change_over o;
	char msg[512];

	if (store_max_change_over(L->store, &o))
		printf("note: %s: %s\n", over_text(L, &o, msg, sizeof(msg)),
		    rc == RB_EMAXCHANGE ? "refused without --force" : "--force lets it through");
}

void
cmd_dry_run_guard(const struct loader *L, struct store_wr *w)
{
	cmd_guard_note(L, store_wr_check_max_change(w));
}

/* What cmd_find_entry looks for and what it found. */
struct entry_search {
	const struct addr *net;
	bool covering;		/* false: exactly NET; true: the longest listed range over NET */
	uint32_t now;
	bool found;
	struct listing l;
};

static int
entry_cb(void *arg, const struct listing *l)
{
	struct entry_search *es = arg;

	if (!es->covering) {
		if (l->net.plen == es->net->plen && addr_contains(&l->net, es->net)) {
			es->l = *l;
			es->found = true;
		}
		return 0;
	}
	if ((l->flags & LISTING_EXCEPTION) || l->net.plen >= es->net->plen ||
	    !addr_contains(&l->net, es->net) || (l->expires != 0 && l->expires <= es->now))
		return 0;
	if (!es->found || l->net.plen > es->l.net.plen) {
		es->l = *l;
		es->found = true;
	}
	return 0;
}

int
cmd_find_entry(struct store_reader *rd, uint16_t zone, const struct addr *net, bool covering,
    uint32_t now, struct listing *out)
{
	struct entry_search es = { .net = net, .covering = covering, .now = now };
	int rc;

	if ((rc = store_foreach_overlapping(rd, zone, net, entry_cb, &es)) != 0)
		return rc;
	if (!es.found)
		return RB_ENOTFOUND;
	*out = es.l;
	return 0;
}

char *
output_code(uint32_t code, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", (unsigned)(code >> 24), (unsigned)(code >> 16 & 0xff),
	    (unsigned)(code >> 8 & 0xff), (unsigned)(code & 0xff));
	return buf;
}

char *
output_net(const struct addr *net, char *buf, size_t len)
{
	addr_format(net, buf, len);
	if (addr_is_host(net)) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "/%u", (unsigned)net->plen);
	}
	return buf;
}

void
output_text(FILE *f, const char *s, size_t len, bool quoted)
{
	size_t i;
	unsigned char c;

	if (quoted)
		putc('"', f);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '\\' || (quoted && c == '"'))
			fprintf(f, "\\x%02x", c);
		else
			putc(c, f);
	}
	if (quoted)
		putc('"', f);
}

json_t *
output_json_text(const char *s, size_t len)
{
	json_t *j;
	char *copy;
	size_t i;

	if (s == NULL)
		return json_null();
	if ((j = json_stringn(s, len)) != NULL)
		return j;
	/* Not UTF-8 (jansson refuses it): keep the ASCII, mark the rest. */
	copy = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		copy[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	copy[len] = '\0';
	j = json_stringn(copy, len);
	free(copy);
	return j != NULL ? j : json_null();
}

json_t *
output_json_str(const char *s)
{
	return output_json_text(s, s != NULL ? strlen(s) : 0);
}

json_t *
output_json_time(int64_t t)
{
	char buf[TIME_BUFLEN];

	if (t == 0)
		return json_null();
	return json_string(time_format(t, buf, sizeof(buf)));
}

json_t *
output_json_code(uint32_t code)
{
	char buf[OUTPUT_CODELEN];

	return json_string(output_code(code, buf, sizeof(buf)));
}

int
output_json_print(json_t *j, size_t flags)
{
	int rc = 0;

	if (j == NULL)
		return -ENOMEM;
	if (json_dumpf(j, stdout, flags) != 0 || putchar('\n') == EOF)
		rc = -EIO;
	json_decref(j);
	return rc;
}

char *
output_entry(struct store_reader *rd, const struct addr *net, char *buf, size_t len)
{
	if (net->fam == ADDR_NAME)
		return store_net_text(rd, net, buf, len);
	return output_net(net, buf, len);
}
