/* Query ACLs and rate limits per zone, compiled from the configuration for the query path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "acl.h"
#include "zonetab.h"

/* The rules of one prefix length and family: a sorted run of LIST's rules. */
struct acl_group {
	uint8_t fam, plen;
	size_t start, n;
};

/* The rules of one section, sorted by family, prefix length (longest first), address. */
struct acl_list {
	struct acl_rule *r;
	size_t n;
	struct acl_group *g;
	size_t ng;
};

struct acl {
	struct acl_list server;
	struct acl_rrl server_rrl;
	struct acl_list *zones;		/* per zone of the zone table */
	struct acl_rrl *zones_rrl;
	size_t nzones;
	bool rrl_on;
	struct addr *exempt;
	size_t nexempt;
};

static int
rule_cmp(const void *pa, const void *pb)
{
	const struct acl_rule *a = pa, *b = pb;

	if (a->net.fam != b->net.fam)
		return a->net.fam < b->net.fam ? -1 : 1;
	if (a->net.plen != b->net.plen)
		return a->net.plen > b->net.plen ? -1 : 1;
	return memcmp(a->net.a, b->net.a, sizeof(a->net.a));
}

/* Compile the N rules of one section into L. */
static int
list_build(struct acl_list *l, const struct conf_query_acl *rules, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	if ((l->r = calloc(n, sizeof(*l->r))) == NULL || (l->g = calloc(n, sizeof(*l->g))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		l->r[i].net = rules[i].net;
		l->r[i].action = rules[i].action;
		l->r[i].code = rules[i].code;
		/* Borrowed from the configuration, which lives as long as we do. */
		l->r[i].text = rules[i].text;
		l->r[i].textlen = rules[i].text != NULL ? strlen(rules[i].text) : 0;
	}
	l->n = n;
	qsort(l->r, n, sizeof(*l->r), rule_cmp);
	for (i = 0; i < n; i++) {
		if (l->ng == 0 || l->g[l->ng - 1].fam != l->r[i].net.fam ||
		    l->g[l->ng - 1].plen != l->r[i].net.plen) {
			l->g[l->ng].fam = l->r[i].net.fam;
			l->g[l->ng].plen = l->r[i].net.plen;
			l->g[l->ng].start = i;
			l->ng++;
		}
		l->g[l->ng - 1].n++;
	}
	return 0;
}

static void
list_free(struct acl_list *l)
{
	free(l->r);
	free(l->g);
}

static const struct acl_rule *
list_match(const struct acl_list *l, const struct addr *client)
{
	const struct acl_group *g;
	const struct acl_rule *r;
	struct acl_rule key;
	size_t i;

	for (i = 0; i < l->ng; i++) {
		g = &l->g[i];
		if (g->fam != client->fam)
			continue;
		/* Groups come longest prefix first: the first hit is the most specific. */
		key.net = *client;
		addr_mask(&key.net, g->plen);
		if ((r = bsearch(&key, l->r + g->start, g->n, sizeof(key), rule_cmp)) != NULL)
			return r;
	}
	return NULL;
}

struct acl *
acl_new(const struct conf *c, const struct zonetab *zt, char *err, size_t errlen)
{
	const struct conf_server *cs = c->server;
	const struct conf_zone *cz;
	struct acl *a;
	size_t i, nz = zt != NULL ? zt->nzones : 0;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		goto nomem;
	if (list_build(&a->server, cs->acl, cs->nacl) < 0)
		goto nomem;
	a->server_rrl.rate = cs->rrl_rate;
	a->server_rrl.slip = cs->rrl_slip;
	a->rrl_on = cs->rrl_rate > 0;
	if (nz > 0 && ((a->zones = calloc(nz, sizeof(*a->zones))) == NULL ||
	    (a->zones_rrl = calloc(nz, sizeof(*a->zones_rrl))) == NULL))
		goto nomem;
	a->nzones = nz;
	for (i = 0; i < nz; i++) {
		if ((cz = conf_zone(c, zt->zones[i].name)) == NULL) {
			a->zones_rrl[i] = a->server_rrl;
			continue;
		}
		if (list_build(&a->zones[i], cz->server->acl, cz->server->nacl) < 0)
			goto nomem;
		a->zones_rrl[i].rate = cz->server->rrl_rate;
		a->zones_rrl[i].slip = cz->server->rrl_slip;
		if (cz->server->rrl_rate > 0)
			a->rrl_on = true;
	}
	if (cs->nrrl_exempt > 0) {
		if ((a->exempt = calloc(cs->nrrl_exempt, sizeof(*a->exempt))) == NULL)
			goto nomem;
		memcpy(a->exempt, cs->rrl_exempt, cs->nrrl_exempt * sizeof(*a->exempt));
		a->nexempt = cs->nrrl_exempt;
	}
	return a;
nomem:
	snprintf(err, errlen, "query ACL: out of memory");
	acl_free(a);
	return NULL;
}

void
acl_free(struct acl *a)
{
	size_t i;

	if (a == NULL)
		return;
	list_free(&a->server);
	for (i = 0; a->zones != NULL && i < a->nzones; i++)
		list_free(&a->zones[i]);
	free(a->zones);
	free(a->zones_rrl);
	free(a->exempt);
	free(a);
}

const struct acl_rule *
acl_match(const struct acl *a, int zi, const struct addr *client)
{
	const struct acl_rule *r;

	if (a == NULL)
		return NULL;
	if (zi >= 0 && (size_t)zi < a->nzones && (r = list_match(&a->zones[zi], client)) != NULL)
		return r;
	return list_match(&a->server, client);
}

struct acl_rrl
acl_rrl(const struct acl *a, int zi)
{
	struct acl_rrl none = { 0, 0 };

	if (a == NULL)
		return none;
	if (zi >= 0 && (size_t)zi < a->nzones)
		return a->zones_rrl[zi];
	return a->server_rrl;
}

bool
acl_rrl_on(const struct acl *a)
{
	return a != NULL && a->rrl_on;
}

bool
acl_rrl_exempt(const struct acl *a, const struct addr *client)
{
	size_t i;

	for (i = 0; a != NULL && i < a->nexempt; i++)
		if (addr_contains(&a->exempt[i], client))
			return true;
	return false;
}

bool
acl_client(const struct sockaddr *peer, struct addr *out)
{
	struct addr v6;

	memset(out, 0, sizeof(*out));
	if (peer == NULL)
		return false;
	if (peer->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;

		out->fam = ADDR_V4;
		out->plen = 32;
		memcpy(out->a, &s4->sin_addr, 4);
		return true;
	}
	if (peer->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;

		memset(&v6, 0, sizeof(v6));
		v6.fam = ADDR_V6;
		v6.plen = 128;
		memcpy(v6.a, &s6->sin6_addr, 16);
		if (addr_is_v4mapped(&v6))
			addr_unmap(&v6, out);
		else
			*out = v6;
		return true;
	}
	return false;
}
