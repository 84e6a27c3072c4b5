/* rbldb-web's HTTP side (libmicrohttpd): routes, size limits, strict headers, the client's address. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "http.h"
#include "log.h"
#include "rb.h"

/*
 * No script, no inline style, no framing, forms only to this site.  Every
 * page carries these; the pages need nothing else.
 */
#define CSP "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; " \
	"frame-ancestors 'none'; base-uri 'none'"

/* One request's state across libmicrohttpd's calls: a POST body being read. */
struct post_state {
	struct MHD_PostProcessor *pp;
	size_t total;
	bool too_big, bad;
	char ip[ADDR_STRLEN], zone[256], csrf[WEB_TOKEN_LEN];
	char reason[WEB_MAX_FIELD + 1], contact[201];
};

static pthread_mutex_t web_lock = PTHREAD_MUTEX_INITIALIZER;

static void
set_headers(struct MHD_Response *resp, const struct reply *r)
{
	MHD_add_response_header(resp, "Content-Type", r->type != NULL ? r->type :
	    "text/html; charset=utf-8");
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Permissions-Policy", "interest-cohort=()");
	MHD_add_response_header(resp, "Cache-Control", r->cache ? "public, max-age=3600" :
	    "no-store");
	if (r->location[0] != '\0')
		MHD_add_response_header(resp, "Location", r->location);
	if (r->status == 405)
		MHD_add_response_header(resp, "Allow", r->allow != NULL ? r->allow : "GET, HEAD");
}

static enum MHD_Result
send_reply(struct MHD_Connection *c, struct reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->body.oom) {
		buf_free(&r->body);
		r->status = 500;
		r->type = "text/plain; charset=utf-8";
		buf_puts(&r->body, "out of memory\n");
	}
	if (r->body.p != NULL) {
		resp = MHD_create_response_from_buffer(r->body.n, r->body.p, MHD_RESPMEM_MUST_FREE);
		r->body.p = NULL;
	} else {
		resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	}
	if (resp == NULL) {
		buf_free(&r->body);
		return MHD_NO;
	}
	set_headers(resp, r);
	ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static bool
from_sockaddr(const struct sockaddr *sa, struct addr *out)
{
	struct addr v4;

	memset(out, 0, sizeof(*out));
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		out->fam = ADDR_V4;
		out->plen = 32;
		memcpy(out->a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		out->fam = ADDR_V6;
		out->plen = 128;
		memcpy(out->a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		if (addr_is_v4mapped(out)) {
			addr_unmap(out, &v4);
			*out = v4;
		}
		return true;
	}
	return false;
}

static bool
trusted(const struct web *w, const struct addr *a)
{
	size_t i;

	for (i = 0; i < w->conf->web.nproxies; i++)
		if (addr_contains(&w->conf->web.proxies[i], a))
			return true;
	return false;
}

bool
web_client_addr(const struct web *w, const struct addr *peer, const char *xff,
    struct addr *out)
{
	char item[ADDR_STRLEN + 2];
	const char *end, *start, *seg;
	struct addr a, v4;
	size_t n;

	*out = *peer;
	if (xff == NULL || !trusted(w, peer))
		return true;
	/* Right to left: the nearest hop that is not one of our proxies is the client. */
	end = xff + strlen(xff);
	for (;;) {
		start = end;
		while (start > xff && start[-1] != ',')
			start--;
		seg = start;
		while (start < end && (*start == ' ' || *start == '\t'))
			start++;
		n = (size_t)(end - start);
		while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t'))
			n--;
		if (n == 0 || n >= sizeof(item))
			return false;
		memcpy(item, start, n);
		item[n] = '\0';
		if (addr_parse(item, &a) != 0)
			return false;
		if (a.fam == ADDR_V6 && addr_is_v4mapped(&a)) {
			addr_unmap(&a, &v4);
			a = v4;
		}
		*out = a;
		if (!trusted(w, &a) || seg == xff)
			return true;
		end = seg - 1;		/* at the comma */
	}
}

static enum MHD_Result
post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
    const char *ctype, const char *enc, const char *data, uint64_t off, size_t size)
{
	struct post_state *ps = cls;
	char *dst = NULL;
	size_t cap = 0, have;

	(void)kind; (void)filename; (void)ctype; (void)enc;
	if (strcmp(key, "ip") == 0) { dst = ps->ip; cap = sizeof(ps->ip); }
	else if (strcmp(key, "zone") == 0) { dst = ps->zone; cap = sizeof(ps->zone); }
	else if (strcmp(key, "csrf") == 0) { dst = ps->csrf; cap = sizeof(ps->csrf); }
	else if (strcmp(key, "reason") == 0) { dst = ps->reason; cap = sizeof(ps->reason); }
	else if (strcmp(key, "contact") == 0) { dst = ps->contact; cap = sizeof(ps->contact); }
	if (dst == NULL)
		return MHD_YES;		/* an unknown field is ignored */
	have = strnlen(dst, cap);
	if (off != have || have + size >= cap || memchr(data, '\0', size) != NULL) {
		ps->bad = true;
		return MHD_YES;
	}
	memcpy(dst + have, data, size);
	dst[have + size] = '\0';
	return MHD_YES;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct post_state *ps = *con_cls;

	(void)cls; (void)c; (void)toe;
	if (ps == NULL)
		return;
	if (ps->pp != NULL)
		MHD_destroy_post_processor(ps->pp);
	free(ps);
	*con_cls = NULL;
}

static void
route_get(struct web *w, struct MHD_Connection *c, const char *url, const struct addr *client,
    struct reply *r)
{
	const char *ip, *req;

	if (strcmp(url, "/style.css") == 0) {
		r->status = 200;
		r->type = "text/css; charset=utf-8";
		r->cache = true;
		buf_puts(&r->body, web_css);
		return;
	}
	if (store_reader_refresh(&w->rd) != 0) {
		web_error_page(w, r, 503, "Unavailable", "The list could not be read. Try again "
		    "in a minute.");
		return;
	}
	if (strcmp(url, "/") == 0) {
		web_home_page(w, r);
	} else if (strcmp(url, "/lookup") == 0) {
		ip = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "ip");
		req = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "req");
		web_lookup_page(w, ip, req != NULL ? strtoull(req, NULL, 10) : 0, client, r);
	} else if (strncmp(url, "/api/v1/lookup/", 15) == 0) {
		web_lookup_json(w, url + 15, r);
	} else if (strcmp(url, "/status") == 0 || strcmp(url, "/api/v1/status") == 0) {
		web_status_page(w, r, url[1] == 'a');
	} else {
		web_error_page(w, r, 404, "Not found", "There is no such page here.");
	}
	store_reader_release(&w->rd);
}

/* The first call of a POST: check its size and type, set up the body's reader. */
static enum MHD_Result
post_begin(struct web *w, struct MHD_Connection *c, void **con_cls, struct reply *r)
{
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	struct post_state *ps;

	if (len != NULL && strtoull(len, NULL, 10) > WEB_MAX_BODY) {
		web_error_page(w, r, 413, "Too large", "The form is larger than this site takes.");
		return send_reply(c, r);
	}
	if (type == NULL || strncasecmp(type, MHD_HTTP_POST_ENCODING_FORM_URLENCODED,
	    strlen(MHD_HTTP_POST_ENCODING_FORM_URLENCODED)) != 0) {
		web_error_page(w, r, 415, "Unsupported form", "Send the form from the lookup page.");
		return send_reply(c, r);
	}
	if ((ps = calloc(1, sizeof(*ps))) == NULL ||
	    (ps->pp = MHD_create_post_processor(c, 1024, post_field, ps)) == NULL) {
		free(ps);
		return MHD_NO;
	}
	*con_cls = ps;
	return MHD_YES;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	struct post_state *ps = *con_cls;
	struct reply r;
	struct addr peer, client;
	const union MHD_ConnectionInfo *ci;
	enum MHD_Result ret;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

	(void)version;
	memset(&r, 0, sizeof(r));
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || !from_sockaddr(ci->client_addr, &peer))
		return MHD_NO;
	pthread_mutex_lock(&web_lock);
	if (!web_client_addr(w, &peer, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "X-Forwarded-For"), &client)) {
		web_error_page(w, &r, 400, "Bad request", "The proxy sent an unreadable "
		    "X-Forwarded-For.");
		ret = send_reply(c, &r);
	} else if (post && strcmp(url, "/remove") == 0) {
		if (ps == NULL) {
			ret = post_begin(w, c, con_cls, &r);
		} else if (*upload_size > 0) {
			ps->total += *upload_size;
			if (ps->total > WEB_MAX_BODY)
				ps->too_big = true;
			else if (MHD_post_process(ps->pp, upload, *upload_size) != MHD_YES)
				ps->bad = true;
			*upload_size = 0;
			ret = MHD_YES;
		} else {
			struct remove_form f = { ps->ip, ps->zone, ps->reason, ps->contact, ps->csrf };

			if (ps->too_big)
				web_error_page(w, &r, 413, "Too large", "The form is larger than this "
				    "site takes.");
			else if (ps->bad)
				web_error_page(w, &r, 400, "Check the form", "A field was too long or "
				    "unreadable.");
			else
				web_remove(w, &f, &client, &r);
			ret = send_reply(c, &r);
		}
	} else if (post || strcmp(url, "/remove") == 0 ||
	    (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)) {
		if (strcmp(url, "/remove") == 0) {
			web_error_page(w, &r, 405, "Method not allowed", "Send the removal form "
			    "from the lookup page.");
			r.allow = "POST";
		} else {
			web_error_page(w, &r, 405, "Method not allowed", "This page takes GET.");
		}
		ret = send_reply(c, &r);
	} else {
		route_get(w, c, url, &client, &r);
		ret = send_reply(c, &r);
	}
	pthread_mutex_unlock(&web_lock);
	return ret;
}

struct MHD_Daemon *
web_http_start(struct web *w, int fd, bool trusted_proxies)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;

	return MHD_start_daemon(flags, 0, NULL, NULL, handle, w,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WEB_TIMEOUT,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)WEB_MAX_CONNS,
	    /* Behind a proxy every connection is the proxy's. */
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, trusted_proxies ? 0u : (unsigned)WEB_MAX_PER_IP,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_END);
}

unsigned
web_http_port(struct MHD_Daemon *d)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);

	return di != NULL ? di->port : 0;
}
