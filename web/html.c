/* rbldb-web's pages: an output buffer, HTML escaping, the frame and style every page shares. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

static bool
grow(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->n + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->n + more + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)n;
}

void
buf_esc(struct buf *b, const char *s, size_t n)
{
	size_t i, from = 0;
	const char *rep;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_add(b, s + from, i - from);
		buf_puts(b, rep);
		from = i + 1;
	}
	buf_add(b, s + from, n - from);
}

void
buf_escs(struct buf *b, const char *s)
{
	buf_esc(b, s, strlen(s));
}

void
buf_urlq(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char enc[4];

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == ':' || c == '-' || c == '_') {
			buf_add(b, (const char *)&c, 1);
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 15];
		buf_add(b, enc, 3);
	}
}

void
buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
html_begin(struct buf *b, const char *title, const char *site, const char *ip)
{
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>");
	buf_escs(b, title);
	buf_puts(b, " - ");
	buf_escs(b, site);
	buf_puts(b, "</title>\n<link rel=\"stylesheet\" href=\"/style.css\">\n</head>\n<body>\n"
	    "<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
	    "<header class=\"top\"><div class=\"wrap\">\n<a class=\"brand\" href=\"/\">");
	buf_escs(b, site);
	buf_puts(b, "</a>\n<nav aria-label=\"Site\"><a href=\"/\">Lookup</a> "
	    "<a href=\"/status\">Status</a></nav>\n</div></header>\n"
	    "<main id=\"main\" class=\"wrap\">\n"
	    "<form class=\"lookup\" action=\"/lookup\" method=\"get\" role=\"search\">\n"
	    "<label for=\"ip\">IP address or range</label>\n<div class=\"row\">"
	    "<input id=\"ip\" name=\"ip\" type=\"text\" inputmode=\"text\" autocomplete=\"off\" "
	    "spellcheck=\"false\" maxlength=\"64\" required placeholder=\"192.0.2.5 or 2001:db8::1\"");
	if (ip != NULL) {
		buf_puts(b, " value=\"");
		buf_escs(b, ip);
		buf_puts(b, "\"");
	}
	buf_puts(b, ">\n<button type=\"submit\">Look up</button></div>\n</form>\n");
}

void
html_end(struct buf *b)
{
	buf_puts(b, "</main>\n<footer class=\"wrap\"><p>This page reads the list as the DNS "
	    "serves it. Machine-readable: <code>/api/v1/lookup/ADDRESS</code>.</p></footer>\n"
	    "</body>\n</html>\n");
}

/* Colours meet WCAG AA contrast (4.5:1 or more) on their backgrounds. */
const char web_css[] =
    ":root{--fg:#1b1f24;--muted:#4a5360;--bg:#f6f7f9;--card:#fff;--line:#d5d9df;"
    "--accent:#0b57d0;--bad:#a4161a;--badbg:#fdecec;--good:#1e6b34;--goodbg:#e7f5ec;"
    "--warn:#7a4d00;--warnbg:#fff4dc}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--fg);background:var(--bg)}\n"
    ".wrap{max-width:56rem;margin:0 auto;padding:0 1rem}\n"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;"
    "padding:.5rem;z-index:1}\n"
    "header.top{background:#13294b;color:#fff}\n"
    "header.top .wrap{display:flex;justify-content:space-between;align-items:center;"
    "flex-wrap:wrap;gap:.5rem;padding-top:.75rem;padding-bottom:.75rem}\n"
    "header.top a{color:#fff;text-decoration:none}.brand{font-weight:700;font-size:1.15rem}\n"
    "nav a{margin-left:1rem}nav a:hover,nav a:focus{text-decoration:underline}\n"
    "main.wrap{padding-top:1.5rem;padding-bottom:2rem}\n"
    "h1{font-size:1.6rem;margin:.5rem 0 1rem;overflow-wrap:anywhere}h2{font-size:1.2rem;margin:0 0 .5rem}\n"
    "form.lookup{background:var(--card);border:1px solid var(--line);border-radius:8px;"
    "padding:1rem;margin-bottom:1.5rem}\n"
    "label{display:block;font-weight:600;margin-bottom:.25rem}\n"
    ".row{display:flex;gap:.5rem;flex-wrap:wrap}\n"
    "input[type=text],input[type=email],textarea,select{font:inherit;padding:.55rem .65rem;"
    "border:1px solid #8a94a3;border-radius:6px;background:#fff;color:var(--fg);width:100%}\n"
    ".row input{flex:1 1 14rem;width:auto}\n"
    "textarea{min-height:6rem}::placeholder{color:#5f6b7a;opacity:1}\n"
    "button{font:inherit;font-weight:600;padding:.55rem 1.1rem;border:0;border-radius:6px;"
    "background:var(--accent);color:#fff;cursor:pointer}\n"
    "button:hover{background:#0842a0}\n"
    ":focus-visible{outline:3px solid #f2a900;outline-offset:2px}\n"
    ".card{background:var(--card);border:1px solid var(--line);border-radius:8px;"
    "padding:1rem 1.1rem;margin-bottom:1rem}\n"
    ".card>:first-child{margin-top:0}.card>:last-child{margin-bottom:0}\n"
    ".card.listed{border-left:6px solid var(--bad)}.card.clear{border-left:6px solid var(--good)}\n"
    ".badge{display:inline-block;font-size:.85rem;font-weight:700;padding:.1rem .55rem;"
    "border-radius:999px;margin-left:.5rem;vertical-align:middle}\n"
    ".badge.listed{background:var(--badbg);color:var(--bad)}"
    ".badge.clear{background:var(--goodbg);color:var(--good)}"
    ".badge.wait{background:var(--warnbg);color:var(--warn)}\n"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}\n"
    "dt{color:var(--muted);font-weight:600}dd{margin:0;overflow-wrap:anywhere}\n"
    "table{border-collapse:collapse;width:100%;background:var(--card)}\n"
    "th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);"
    "vertical-align:top;overflow-wrap:break-word}\n"
    "th{color:var(--muted);font-size:.9rem}td:first-child{white-space:nowrap}\n"
    ".scroll{overflow-x:auto}\n"
    ".notice{padding:.75rem 1rem;border-radius:8px;margin-bottom:1rem;background:var(--warnbg);"
    "color:var(--warn)}.notice.ok{background:var(--goodbg);color:var(--good)}"
    ".notice.err{background:var(--badbg);color:var(--bad)}\n"
    "details.remove{margin-top:.75rem}details.remove summary{cursor:pointer;color:var(--accent);"
    "font-weight:600}\n"
    ".field{margin:.75rem 0}.hint{color:var(--muted);font-size:.9rem;margin:.25rem 0 0}\n"
    "footer{color:var(--muted);font-size:.9rem;padding-bottom:2rem}\n"
    "code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95em}\n"
    "@media (max-width:30rem){dl{grid-template-columns:1fr}dt{margin-top:.4rem}"
    "nav a{margin-left:.75rem}h1{font-size:1.35rem}}\n"
    /* On a phone a table's rows become blocks, each cell named by its column. */
    "@media (max-width:40rem){table.stack,table.stack tbody,table.stack tr,table.stack td"
    "{display:block}table.stack thead{position:absolute;left:-9999px}"
    "table.stack tr{border-bottom:1px solid var(--line);padding:.4rem 0}"
    "table.stack td{border:0;padding:.1rem 0}"
    "table.stack td::before{content:attr(data-label) \": \";color:var(--muted);"
    "font-weight:600}}\n";
