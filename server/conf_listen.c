/*
 * rbldbd's socket addresses: the listen key's ADDR:PORT text parsed and
 * formatted, and the listen list (from the configuration or from -l).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "conf_parse.h"
#include "conf_server.h"
#include "rb.h"

void
conf_server_format_sockaddr(const struct sockaddr_storage *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(in->sin_port));
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	}
}

/*
 * "192.0.2.1:5300", "[2001:db8::1]:5300"; without a port ("192.0.2.1",
 * "[::1]" or a bare "::1") the DNS port 53 is meant.
 */
int
conf_server_parse_sockaddr(const char *text, struct sockaddr_storage *sa, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN];
	const char *port = NULL, *end;
	unsigned long pnum = 53;
	size_t hlen;
	bool v6;

	if (text[0] == '[') {
		if ((end = strchr(text, ']')) == NULL)
			return RB_ESYNTAX;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return RB_ESYNTAX;
		text++;
		hlen = (size_t)(end - text);
		v6 = true;
	} else if ((end = strchr(text, ':')) != NULL && strchr(end + 1, ':') == NULL) {
		port = end + 1;
		hlen = (size_t)(end - text);
		v6 = false;
	} else {
		hlen = strlen(text);
		v6 = end != NULL;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return RB_ESYNTAX;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (port != NULL && !conf_parse_uint(port, 65535, &pnum))
		return RB_ESYNTAX;
	if (pnum == 0)
		return RB_ESYNTAX;

	memset(sa, 0, sizeof(*sa));
	if (v6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;

		if (inet_pton(AF_INET6, host, &in6->sin6_addr) != 1)
			return RB_ESYNTAX;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)pnum);
		*len = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)sa;

		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return RB_ESYNTAX;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)pnum);
		*len = sizeof(*in);
	}
	return 0;
}

static bool
same_sockaddr(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

int
conf_server_add_listen(struct conf_listen **arr, size_t *n, const char *text, const char **msg)
{
	struct sockaddr_storage sa;
	struct conf_listen *l;
	socklen_t len;
	size_t i;

	if (conf_server_parse_sockaddr(text, &sa, &len) != 0) {
		*msg = "bad listen address";
		return -1;
	}
	for (i = 0; i < *n; i++) {
		if (same_sockaddr(&(*arr)[i].sa, (*arr)[i].salen, &sa, len)) {
			*msg = "listen address given twice";
			return -1;
		}
	}
	if ((l = conf_push(*arr, *n, sizeof(**arr))) == NULL) {
		*msg = "out of memory";
		return -1;
	}
	*arr = l;
	l = &l[(*n)++];
	l->sa = sa;
	l->salen = len;
	conf_server_format_sockaddr(&sa, l->text, sizeof(l->text));
	return 0;
}

int
conf_server_set_listen(struct conf *c, const char **texts, size_t n, char *err,
    size_t errlen)
{
	struct conf_listen *arr = NULL;
	const char *msg;
	size_t i, na = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (conf_server_add_listen(&arr, &na, texts[i], &msg) != 0) {
			if (err != NULL && errlen > 0)
				snprintf(err, errlen, "%s '%s' (use ADDR:PORT or [IPV6]:PORT)",
				    msg, texts[i]);
			free(arr);
			return RB_ESYNTAX;
		}
	}
	free(c->server->listen);
	c->server->listen = arr;
	c->server->nlisten = na;
	return 0;
}
