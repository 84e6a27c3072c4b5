/* rbldb-web's HTTP side, as main.c starts it. */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>

#include "web.h"

#define WEB_TIMEOUT 15		/* seconds a connection may be idle or slow */
#define WEB_MAX_CONNS 512
#define WEB_MAX_PER_IP 32

struct MHD_Daemon;

/* Serve HTTP on the listening socket FD (bound and listening) with W; NULL on failure. */
struct MHD_Daemon *web_http_start(struct web *w, int fd, bool trusted_proxies);
/* The port a daemon listens on. */
unsigned web_http_port(struct MHD_Daemon *d);

/*
 * The client of a request from PEER with the X-Forwarded-For header XFF
 * (NULL none): PEER, unless PEER is a trusted proxy, then the rightmost
 * address of XFF that is not one.  False when XFF cannot be read.
 */
bool web_client_addr(const struct web *w, const struct addr *peer, const char *xff,
    struct addr *out);

#endif
