/* The query ACL key (acl) of [server] and [zone NAME]: rules of ranges and what they get. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_acl.h"
#include "conf_parse.h"
#include "conf_server.h"
#include "rb.h"

int
conf_acl_next_token(const char **s, char *buf, size_t len, bool *quoted)
{
	const char *p = *s;
	size_t n = 0;

	while (*p != '\0' && (isspace((unsigned char)*p) || *p == ','))
		p++;
	if (*p == '\0')
		return 0;
	*quoted = *p == '"';
	if (!*quoted)
		return conf_next_item(s, buf, len) ? 1 : 0;
	for (p++; *p != '"'; p++) {
		if (*p == '\0')
			return -1;
		if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		if (n + 1 < len)
			buf[n++] = *p;
	}
	buf[n] = '\0';
	*s = p + 1;
	return 1;
}

static const char *const qacl_actions[] = { "allow", "refuse", "drop", "answer" };

/* One acl line as read: its ranges, its action and what an answer says. */
struct acl_line {
	struct addr nets[32];
	size_t nnets;
	int action;		/* enum conf_qacl_action, -1 none yet */
	uint32_t code;
	char text[256];
	bool hastext;
};

/* The ranges up to the action, and the action. */
static int
read_ranges(struct conf_parse *p, const char **v, struct acl_line *ln)
{
	const char *why = NULL;
	char tok[256];
	struct addr a;
	bool quoted;
	size_t k;
	int t;

	while ((t = conf_acl_next_token(v, tok, sizeof(tok), &quoted)) > 0) {
		for (k = 0; !quoted && k < RB_ARRAY_LEN(qacl_actions); k++)
			if (strcasecmp(tok, qacl_actions[k]) == 0)
				ln->action = (int)k;
		if (ln->action >= 0)
			break;
		if (quoted || addr_parse_cidr(tok, &a, &why) != 0)
			return conf_fail(p,
			    "acl: '%s' is neither an address or CIDR range nor an action "
			    "(use CIDR... allow|refuse|drop|answer 127.X.Y.Z \"TEXT\")", tok);
		if (ln->nnets == RB_ARRAY_LEN(ln->nets))
			return conf_fail(p,
			    "acl: more than %zu ranges on one line (use more lines)",
			    RB_ARRAY_LEN(ln->nets));
		ln->nets[ln->nnets++] = a;
	}
	if (t < 0)
		return conf_fail(p, "acl: a quoted text is not closed (end it with \")");
	if (ln->nnets == 0)
		return conf_fail(p, "acl: no address or CIDR range before the action (use CIDR... "
		    "allow|refuse|drop|answer 127.X.Y.Z \"TEXT\")");
	if (ln->action < 0)
		return conf_fail(p, "acl: no action after the ranges (use allow, refuse, drop or "
		    "answer 127.X.Y.Z \"TEXT\")");
	return 0;
}

/* After "answer": the address in 127.0.0.0/8 and the optional quoted text. */
static int
read_answer(struct conf_parse *p, const char **v, struct acl_line *ln)
{
	char tok[256];
	struct addr a;
	bool quoted;
	int t;

	if (conf_acl_next_token(v, tok, sizeof(tok), &quoted) <= 0 || quoted ||
	    addr_parse(tok, &a) != 0 || a.fam != ADDR_V4 || a.a[0] != 127)
		return conf_fail(p,
		    "acl: answer needs an address in 127.0.0.0/8 (e.g. answer "
		    "127.255.255.254 \"TEXT\")");
	ln->code = (uint32_t)a.a[0] << 24 | (uint32_t)a.a[1] << 16 | (uint32_t)a.a[2] << 8 |
	    a.a[3];
	if ((t = conf_acl_next_token(v, ln->text, sizeof(ln->text), &quoted)) < 0)
		return conf_fail(p, "acl: a quoted text is not closed (end it with \")");
	if (t > 0 && !quoted)
		return conf_fail(p,
		    "acl: put the answer's text in double quotes (\"%s ...\")", ln->text);
	ln->hastext = t > 0 && ln->text[0] != '\0';
	return 0;
}

/* One rule per range of LN, each range at most once per section. */
static int
add_rules(struct conf_parse *p, struct conf_query_acl **arr, size_t *n,
    const struct acl_line *ln)
{
	struct conf_query_acl *r;
	char tok[256];
	size_t i, k;

	for (i = 0; i < ln->nnets; i++) {
		for (k = 0; k < *n; k++)
			if (memcmp(&(*arr)[k].net, &ln->nets[i], sizeof(ln->nets[i])) == 0)
				return conf_fail(p,
				    "acl: %s has a rule already (line %d; one rule per "
				    "range and section)", addr_format(&ln->nets[i], tok,
				    sizeof(tok)), (*arr)[k].line);
		if ((r = conf_push(*arr, *n, sizeof(*r))) == NULL)
			return conf_fail(p, "out of memory");
		*arr = r;
		r = &r[(*n)++];
		r->net = ln->nets[i];
		r->action = (enum conf_qacl_action)ln->action;
		r->code = ln->code;
		r->line = conf_parse_line(p);
		if (ln->hastext && (r->text = strdup(ln->text)) == NULL)
			return conf_fail(p, "out of memory");
	}
	return 0;
}

/*
 * One rule per line: "CIDR [CIDR...] ACTION", ACTION being allow, refuse,
 * drop or answer 127.X.Y.Z ["TEXT"].  In [server] the rule covers every
 * zone and every other query; in [zone NAME] that zone's names, before
 * [server]'s rules.  The longest prefix that matches the client wins, so
 * the order of the lines does not matter.
 */
int
conf_acl_set(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);
	struct conf_server *s = conf_parse_conf(p)->server;
	struct acl_line ln = { .action = -1 };
	char tok[256];
	bool quoted;
	int rc;

	if ((rc = read_ranges(p, &v, &ln)) != 0)
		return rc;
	if (ln.action == CONF_QACL_ANSWER && (rc = read_answer(p, &v, &ln)) != 0)
		return rc;
	if (conf_acl_next_token(&v, tok, sizeof(tok), &quoted) != 0)
		return conf_fail(p, "acl: '%s' after the action (one rule per line)", tok);
	if (z == NULL)
		return add_rules(p, &s->acl, &s->nacl, &ln);
	return add_rules(p, &z->server->acl, &z->server->nacl, &ln);
}

void
conf_acl_free(struct conf_query_acl *acl, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(acl[i].text);
	free(acl);
}
