/*
 * The expiry job: every repository certificate and every live inventory
 * certificate (ACM and IAM) is checked against the [notify] thresholds;
 * each threshold is notified once per not_after (a renewal starts over),
 * an expired certificate once.  State lives in the jobs database under
 * "expiry/repo/NAME", "expiry/acm/ARN" and "expiry/iam/ACCOUNT/NAME":
 * {not_after, done: [thresholds], expired, notified_at}.
 */
#ifndef ACMD_EXPIRY_H
#define ACMD_EXPIRY_H

#include <jansson.h>

/*
 * Called when a run has ended and its notifications have gone out:
 * notified is an array of {source, id, domain, days_left, threshold,
 * event} (borrowed for the call); NULL with cause when the run failed.
 */
typedef void (*expiry_cb)(json_t *, const char *, void *);

/* Register the job ([jobs] expiry_interval; first run 30 s after start). */
void	expiry_init(void);
/*
 * acmd is stopping (before the server): a run still scanning ends, failed,
 * and its waiters are answered.
 */
void	expiry_shutdown(void);
void	expiry_free(void);
/*
 * Run now (discovery after each run, notify check); cb may be NULL.  When
 * a run is going on already, cb gets that run's result.
 */
void	expiry_run_now(expiry_cb, void *);

#endif
