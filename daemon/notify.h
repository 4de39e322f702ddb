/*
 * Notifications: one message goes to the journal (always), to the
 * webhook (a JSON POST, when [notify] webhook_url is set) and by mail
 * (SMTP through libcurl, when smtp_url, mail_from and mail_to are set).
 * A channel that fails is logged with its reason; the others go on.
 */
#ifndef ACMD_NOTIFY_H
#define ACMD_NOTIFY_H

#include <time.h>

#include <jansson.h>

#define NOTIFY_EXPIRING	"cert-expiring"
#define NOTIFY_EXPIRED	"cert-expired"
#define NOTIFY_TEST	"notify-test"

/* Borrowed strings: copied by notify_send.  NULL: unknown. */
struct notify_msg {
	const char	*event;		/* NOTIFY_* */
	const char	*source;	/* "repository", "acm", "iam", "test" */
	const char	*id;		/* repository name, ARN, ACCOUNT/NAME */
	const char	*domain;
	const char	*name;		/* repository or IAM name */
	const char	*arn;
	const char	*region;
	const char	*account;
	time_t		 not_after;	/* 0: unknown */
	long long	 days_left;
	int		 threshold;	/* 0 when expired or a test */
};

/*
 * Called once every channel has finished, with an array of
 * {channel, ok, detail} (borrowed for the call).  May be called before
 * notify_send returns (the journal only).
 */
typedef void (*notify_cb)(json_t *, void *);

void	notify_send(const struct notify_msg *, notify_cb, void *);
/* The message's text, as logged and mailed (allocated). */
char	*notify_text(const struct notify_msg *);

#endif
