/* The [web] section and the zones' removal keys: what rbldb-web reads, checked by every program. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf_parse.h"
#include "policy.h"
#include "timeutil.h"

#define WEB_DEFAULT_PER_CLIENT 10
#define WEB_DEFAULT_PER_ADDRESS 5
#define WEB_DEFAULT_PREFIX4 24
#define WEB_DEFAULT_PREFIX6 56
#define ZONE_DEFAULT_REMOVAL_INTERVAL (7u * 86400)

static int
nomem(struct conf_parse *p)
{
	return conf_fail(p, "out of memory");
}

void
conf_web_defaults(struct conf *c)
{
	c->web.per_client = WEB_DEFAULT_PER_CLIENT;
	c->web.per_address = WEB_DEFAULT_PER_ADDRESS;
	c->web.client_prefix4 = WEB_DEFAULT_PREFIX4;
	c->web.client_prefix6 = WEB_DEFAULT_PREFIX6;
}

void
conf_zone_removal_defaults(struct conf_zone *z)
{
	z->removal = CONF_REMOVAL_QUEUE;
	z->removal_interval = ZONE_DEFAULT_REMOVAL_INTERVAL;
}

void
conf_web_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->web.nlisten; i++)
		free(c->web.listen[i]);
	free(c->web.listen);
	free(c->web.proxies);
	free(c->web.user);
	free(c->web.secret_file);
	free(c->web.title);
}

int
conf_web_listen(struct conf_parse *p, const char *v)
{
	struct conf_web *w = &conf_parse_conf(p)->web;
	char item[256], **arr;

	while (conf_next_item(&v, item, sizeof(item))) {
		if (strrchr(item, ':') == NULL)
			return conf_fail(p, "[web] listen '%s' is not ADDR:PORT (e.g. "
			    "127.0.0.1:8080 or [::1]:8080)", item);
		if ((arr = conf_push(w->listen, w->nlisten, sizeof(*arr))) == NULL)
			return nomem(p);
		w->listen = arr;
		if ((w->listen[w->nlisten] = strdup(item)) == NULL)
			return nomem(p);
		w->nlisten++;
	}
	return 0;
}

int
conf_web_proxy(struct conf_parse *p, const char *v)
{
	struct conf_web *w = &conf_parse_conf(p)->web;
	struct addr a, *arr;
	const char *why = NULL;
	char item[256];

	while (conf_next_item(&v, item, sizeof(item))) {
		if (addr_parse_cidr(item, &a, &why) != 0)
			return conf_fail(p, "trusted-proxy '%s' is not an address or CIDR range: %s",
			    item, why != NULL ? why : "syntax error");
		if ((arr = conf_push(w->proxies, w->nproxies, sizeof(*arr))) == NULL)
			return nomem(p);
		w->proxies = arr;
		w->proxies[w->nproxies++] = a;
	}
	return 0;
}

static int
set_count(struct conf_parse *p, const char *key, const char *v, uint32_t *out)
{
	unsigned long n;

	if (!conf_parse_uint(v, 1000000, &n))
		return conf_fail(p, "%s '%s' is not a number of requests per hour (0 to "
		    "1000000; 0 refuses every request)", key, v);
	*out = (uint32_t)n;
	return 0;
}

int
conf_web_per_client(struct conf_parse *p, const char *v)
{
	return set_count(p, "requests-per-client", v, &conf_parse_conf(p)->web.per_client);
}

int
conf_web_per_address(struct conf_parse *p, const char *v)
{
	return set_count(p, "requests-per-address", v, &conf_parse_conf(p)->web.per_address);
}

int
conf_web_prefix4(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, 32, &n))
		return conf_fail(p, "client-prefix '%s' is not a prefix length from 0 to 32", v);
	conf_parse_conf(p)->web.client_prefix4 = (uint8_t)n;
	return 0;
}

int
conf_web_prefix6(struct conf_parse *p, const char *v)
{
	unsigned long n;

	if (!conf_parse_uint(v, 128, &n))
		return conf_fail(p, "client-prefix6 '%s' is not a prefix length from 0 to 128", v);
	conf_parse_conf(p)->web.client_prefix6 = (uint8_t)n;
	return 0;
}

static int
set_string(struct conf_parse *p, char **field, const char *v)
{
	free(*field);
	*field = NULL;
	if (*v != '\0' && (*field = strdup(v)) == NULL)
		return nomem(p);
	return 0;
}

int
conf_web_user(struct conf_parse *p, const char *v)
{
	return set_string(p, &conf_parse_conf(p)->web.user, v);
}

int
conf_web_secret(struct conf_parse *p, const char *v)
{
	struct conf *c = conf_parse_conf(p);
	char *path;

	if (*v == '\0')
		return conf_fail(p, "secret-file is empty (name a file of random octets, or "
		    "leave the key out for a new secret at each start)");
	if ((path = conf_resolve_path(c, v)) == NULL)
		return nomem(p);
	free(c->web.secret_file);
	c->web.secret_file = path;
	return 0;
}

int
conf_web_title(struct conf_parse *p, const char *v)
{
	char why[512];

	if (set_string(p, &conf_parse_conf(p)->web.title, v) != 0)
		return -1;
	if (policy_check_text("title", conf_parse_conf(p)->web.title, 0, why, sizeof(why)) != 0)
		return conf_fail(p, "%s", why);
	return 0;
}

int
conf_zone_removal(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);

	if (strcasecmp(v, "queue") == 0)
		z->removal = CONF_REMOVAL_QUEUE;
	else if (strcasecmp(v, "self") == 0)
		z->removal = CONF_REMOVAL_SELF;
	else if (strcasecmp(v, "retest") == 0)
		z->removal = CONF_REMOVAL_RETEST;
	else
		return conf_fail(p, "removal '%s' is not a policy (use queue, self or retest)", v);
	return 0;
}

int
conf_zone_removal_interval(struct conf_parse *p, const char *v)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0)
		return conf_fail(p, "removal-interval '%s' is not a duration (use 12h, 7d, 30d)",
		    v);
	conf_parse_zone(p)->removal_interval = secs;
	return 0;
}
