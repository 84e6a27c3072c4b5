/* The relay test's message: headers with the cookie, and a body that says what it is and how to opt out. */
#ifndef MESSAGE_H
#define MESSAGE_H

#include "smtp.h"

/*
 * The message of form FORM with cookie COOKIE, as sent after DATA: CRLF
 * lines, dot-stuffed, ending with the final ".".  NOW is its Date.
 * Returns a string to free, or NULL when out of memory.
 */
char *message_build(const struct smtp_params *p, unsigned form, const char *cookie,
    int64_t now);

#endif
