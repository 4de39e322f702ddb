/*
 * Watched directories ([watch NAME] in acmd.conf): inotify on the event
 * loop.  When a certificate's files change, and once cert and key parse
 * and match (certbot swaps symlinks one at a time), the new certificate
 * becomes a new version of its repository certificate, which triggers
 * auto-redeploy.
 */
#ifndef ACMD_WATCH_H
#define ACMD_WATCH_H

void	watch_init(void);
void	watch_configure(void);
void	watch_free(void);

#endif
