/* The service manager's readiness protocol (sd_notify), spoken without libsystemd. */
#ifndef SDNOTIFY_H
#define SDNOTIFY_H

/*
 * systemd's Type=notify: the service sends "READY=1", "RELOADING=1",
 * "STOPPING=1" as datagrams to the AF_UNIX socket named by $NOTIFY_SOCKET
 * (a path, or an abstract name written with a leading '@').  A few lines
 * of our own instead of libsystemd: no new dependency, and the protocol is
 * stable and documented in sd_notify(3).  Without $NOTIFY_SOCKET nothing
 * happens, so the server runs the same by hand.
 */

/*
 * Connect to $NOTIFY_SOCKET, before a chroot hides its path, and unset it
 * so no child inherits it.  Returns 0 (also when unset) or -errno.
 */
int sdnotify_open(void);

/* Send STATE ("READY=1\nSTATUS=..."); a no-op when not connected.  Thread-safe. */
void sdnotify(const char *state);

void sdnotify_close(void);

#endif
