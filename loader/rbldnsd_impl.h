/* What the rbldnsd readers (rbldnsd.c, rbldnsd_addr.c, rbldnsd_dnset.c) share inside the loader. */
#ifndef RBLDNSD_IMPL_H
#define RBLDNSD_IMPL_H

#include <stdbool.h>
#include <stddef.h>

/* The reason for a bad line into ERR[0..LEN); returns RB_ESYNTAX. */
int rbldnsd_fail(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline bool
rbldnsd_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

#endif
