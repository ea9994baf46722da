/* SPDX-License-Identifier: MIT
 * systemd's notify protocol (Type=notify): READY, RELOADING, STOPPING and a
 * status line, as datagrams to $NOTIFY_SOCKET. A no-op when it is unset. */
#ifndef SVC_NOTIFY_H
#define SVC_NOTIFY_H

/* Send `state` ("READY=1", "STOPPING=1", ...). 0, or -1 if it could not be
 * sent; nothing is sent (and 0 returned) outside systemd. */
int svc_notify(const char *state);

/* RELOADING=1 with the MONOTONIC_USEC systemd asks for with it. */
int svc_notify_reloading(void);

#endif
