/* The [verify] section (the relay tester's keys) and each zone's `verify = off|required`. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "conf_verify.h"
#include "timeutil.h"

/* The section's settings, made with their defaults on first use. */
static struct conf_verify *
get(struct conf_parse *p)
{
	struct conf *c = conf_parse_conf(p);
	struct conf_verify *v = c->verify;

	if (v != NULL)
		return v;
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->port = VERIFY_DEFAULT_PORT;
	v->min_interval = VERIFY_DEFAULT_MIN_INTERVAL;
	v->timeout = VERIFY_DEFAULT_TIMEOUT;
	v->data_timeout = VERIFY_DEFAULT_DATA_TIMEOUT;
	v->window = VERIFY_DEFAULT_WINDOW;
	v->concurrency = VERIFY_DEFAULT_CONCURRENCY;
	v->rate = VERIFY_DEFAULT_RATE;
	v->rate_period = 1;
	c->verify = v;
	return v;
}

static int
set_string(struct conf_parse *p, char **dst, const char *key, const char *value)
{
	const char *c;

	if (get(p) == NULL)
		return conf_fail(p, "out of memory");
	for (c = value; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '<' || *c == '>')
			return conf_fail(p, "%s holds a control character or angle bracket "
			    "(write it plainly)", key);
	if (*value == '\0')
		return conf_fail(p, "%s is empty (give a value or leave the key out)", key);
	free(*dst);
	if ((*dst = strdup(value)) == NULL)
		return conf_fail(p, "out of memory");
	return 0;
}

int
conf_verify_secret(struct conf_parse *p, const char *v)
{
	if (strlen(v) < 16)
		return conf_fail(p, "secret is shorter than 16 characters (use e.g. the output "
		    "of 'openssl rand -base64 32')");
	return set_string(p, &get(p)->secret, "secret", v);
}

int
conf_verify_dropbox(struct conf_parse *p, const char *v)
{
	const char *at = strchr(v, '@');

	if (at == NULL || at == v || at[1] == '\0' || strchr(at + 1, '@') != NULL ||
	    strpbrk(v, " \t\"%!:") != NULL)
		return conf_fail(p, "dropbox '%s' is not a plain mailbox (use "
		    "verify@dropbox.example.org, a mailbox whose mail is piped to "
		    "'rbldb verify-receive')", v);
	return set_string(p, &get(p)->dropbox, "dropbox", v);
}

int
conf_verify_helo(struct conf_parse *p, const char *v)
{
	if (strpbrk(v, " \t") != NULL)
		return conf_fail(p, "helo '%s' is not a host name (use the tester's name, "
		    "e.g. verify.example.org)", v);
	return set_string(p, &get(p)->helo, "helo", v);
}

int
conf_verify_url(struct conf_parse *p, const char *v)
{
	return set_string(p, &get(p)->url, "url", v);
}

int
conf_verify_from(struct conf_parse *p, const char *v)
{
	if (strpbrk(v, " \t\"@%!:") != NULL)
		return conf_fail(p, "from '%s' is not a local part (use e.g. relaytest)", v);
	return set_string(p, &get(p)->from, "from", v);
}

static int
set_uint(struct conf_parse *p, const char *key, const char *v, unsigned long lo,
    unsigned long hi, uint32_t *dst)
{
	unsigned long n;

	if (get(p) == NULL)
		return conf_fail(p, "out of memory");
	if (!conf_parse_uint(v, hi, &n) || n < lo)
		return conf_fail(p, "%s '%s' is not a number from %lu to %lu", key, v, lo, hi);
	*dst = (uint32_t)n;
	return 0;
}

int
conf_verify_port(struct conf_parse *p, const char *v)
{
	uint32_t n;

	if (set_uint(p, "port", v, 1, 65535, &n) != 0)
		return -1;
	get(p)->port = (uint16_t)n;
	return 0;
}

int
conf_verify_concurrency(struct conf_parse *p, const char *v)
{
	return set_uint(p, "concurrency", v, 1, 1000, get(p) ? &get(p)->concurrency : NULL);
}

/*
 * `rate = N` (new connections per second) or `N/s`, `N/m`, `N/h`: at most
 * N connections begin in any such period, spaced evenly.
 */
int
conf_verify_rate(struct conf_parse *p, const char *v)
{
	struct conf_verify *cv = get(p);
	const char *slash = strchr(v, '/');
	char num[16];
	uint32_t period = 1;
	size_t n = slash != NULL ? (size_t)(slash - v) : strlen(v);

	if (cv == NULL)
		return conf_fail(p, "out of memory");
	if (slash != NULL && strcmp(slash + 1, "m") == 0)
		period = 60;
	else if (slash != NULL && strcmp(slash + 1, "h") == 0)
		period = 3600;
	else if (slash != NULL && strcmp(slash + 1, "s") != 0)
		n = sizeof(num);
	if (n == 0 || n >= sizeof(num))
		return conf_fail(p, "rate '%s' is not N, N/s, N/m or N/h (new connections per "
		    "second, minute or hour, e.g. 2 or 30/m)", v);
	memcpy(num, v, n);
	num[n] = '\0';
	if (set_uint(p, "rate", num, 1, 1000, &cv->rate) != 0)
		return -1;
	cv->rate_period = period;
	return 0;
}

static int
set_duration(struct conf_parse *p, const char *key, const char *v, uint32_t *dst)
{
	uint32_t secs;

	if (time_parse_duration(v, &secs) != 0 || secs == 0)
		return conf_fail(p, "%s '%s' is not a positive duration (use 90s, 15m, 12h, 1d)",
		    key, v);
	*dst = secs;
	return 0;
}

int
conf_verify_min_interval(struct conf_parse *p, const char *v)
{
	struct conf_verify *cv = get(p);

	return cv ? set_duration(p, "min-interval", v, &cv->min_interval) : -1;
}

int
conf_verify_timeout(struct conf_parse *p, const char *v)
{
	struct conf_verify *cv = get(p);

	return cv ? set_duration(p, "timeout", v, &cv->timeout) : -1;
}

int
conf_verify_data_timeout(struct conf_parse *p, const char *v)
{
	struct conf_verify *cv = get(p);

	return cv ? set_duration(p, "data-timeout", v, &cv->data_timeout) : -1;
}

int
conf_verify_window(struct conf_parse *p, const char *v)
{
	struct conf_verify *cv = get(p);

	return cv ? set_duration(p, "window", v, &cv->window) : -1;
}

int
conf_verify_never(struct conf_parse *p, const char *v)
{
	struct conf_verify *cv = get(p);
	struct addr a, *arr;
	const char *why = NULL;
	char item[256];

	if (cv == NULL)
		return conf_fail(p, "out of memory");
	while (conf_next_item(&v, item, sizeof(item))) {
		if (addr_parse_cidr(item, &a, &why) != 0)
			return conf_fail(p, "never-test '%s' is not an address or CIDR range: %s",
			    item, why != NULL ? why : "syntax error");
		if ((arr = conf_push(cv->never, cv->nnever, sizeof(*arr))) == NULL)
			return conf_fail(p, "out of memory");
		cv->never = arr;
		cv->never[cv->nnever++] = a;
	}
	return 0;
}

int
conf_verify_zone(struct conf_parse *p, const char *v)
{
	struct conf_zone *z = conf_parse_zone(p);

	if (strcasecmp(v, "required") == 0)
		z->verify_required = true;
	else if (strcasecmp(v, "off") == 0)
		z->verify_required = false;
	else
		return conf_fail(p, "verify '%s' is not off or required", v);
	return 0;
}

/*
 * Defaults the tester needs.  A zone with verify = required and no secret
 * or drop box would keep every report pending for ever: refused here.
 */
int
conf_verify_finish(struct conf_parse *p)
{
	struct conf *c = conf_parse_conf(p);
	struct conf_verify *v = get(p);
	size_t i;

	if (v == NULL)
		return conf_fail_at(p, NULL, 0, "out of memory");
	if ((v->helo == NULL && (v->helo = strdup("rbldb-verify.invalid")) == NULL) ||
	    (v->from == NULL && (v->from = strdup("relaytest")) == NULL))
		return conf_fail_at(p, NULL, 0, "out of memory");
	for (i = 0; i < c->nzones; i++)
		if (c->zones[i].verify_required && (v->secret == NULL || v->dropbox == NULL))
			return conf_fail_at(p, NULL, c->zones[i].line, "zone %s has verify = "
			    "required but [verify] has no %s (set secret and dropbox)",
			    c->zones[i].name, v->secret == NULL ? "secret" : "dropbox");
	return 0;
}

void
conf_verify_free(struct conf_verify *v)
{
	if (v == NULL)
		return;
	free(v->secret);
	free(v->dropbox);
	free(v->helo);
	free(v->url);
	free(v->from);
	free(v->never);
	free(v);
}
