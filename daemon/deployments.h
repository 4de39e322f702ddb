/*
 * Deployment records: a repository certificate imported into ACM, one per
 * (certificate, account, region) in the deployments database, key
 * "NAME/ACCOUNT/REGION":
 *
 *   name, credential, account, region, arn, version, sha256 (deployed),
 *   replace, auto_redeploy, tags [{Key, Value}]   the options; they stick
 *   state, last_error, updated, checked
 *   intent {version, sha256, started}   set before any AWS call; while it
 *                                        is there the deployment is in
 *                                        flight and is resumed at start
 *   attempts, next_retry                 failed deployments back off
 *                                        (intent.h, deploy_intent)
 *
 * A file target ([target T] of acmd.conf) is a deployment too, key
 * "NAME/target/T": kind and account "target", region and target T, no
 * credential or ARN; its files take the place of what ACM holds.
 *
 * States: pending, deploying, in-sync, mismatch (ACM holds another
 * certificate at the ARN), missing (the ARN is gone from ACM), failed,
 * waiting-for-key (auto-redeploy: ACM holds the deployed version, the
 * newer one waits for its key, which acmd is fetching: pending.h;
 * waiting_for names that version);
 * shown, not recorded: outdated (in sync, at an older version than the
 * repository's current).  The deploy engine (deploy.c) writes them; this
 * file reads, lists and forgets them.
 */
#ifndef ACMD_DEPLOYMENTS_H
#define ACMD_DEPLOYMENTS_H

#include <jansson.h>

#include "intent.h"
#include "store.h"

#define DEP_NAME		"name"
#define DEP_CREDENTIAL		"credential"
#define DEP_ACCOUNT		"account"
#define DEP_REGION		"region"
#define DEP_ARN			"arn"
#define DEP_VERSION		"version"
#define DEP_SHA256		"sha256"
#define DEP_REPLACE		"replace"
#define DEP_AUTO_REDEPLOY	"auto_redeploy"
#define DEP_TAGS		"tags"
#define DEP_STATE		"state"
#define DEP_LAST_ERROR		"last_error"
#define DEP_UPDATED		"updated"
#define DEP_CHECKED		"checked"
#define DEP_INTENT		"intent"
#define DEP_ATTEMPTS		"attempts"
#define DEP_NEXT_RETRY		"next_retry"
#define DEP_WAITING_FOR		"waiting_for"
#define DEP_KIND		"kind"		/* "target"; absent: ACM */
#define DEP_TARGET		"target"	/* [target NAME] of acmd.conf */

/* A file target's record: account DEP_K_TARGET, region the target. */
#define DEP_K_TARGET		"target"

#define DEP_S_DEPLOYING		"deploying"
#define DEP_S_IN_SYNC		"in-sync"
#define DEP_S_MISMATCH		"mismatch"
#define DEP_S_MISSING		"missing"
#define DEP_S_FAILED		"failed"
#define DEP_S_PENDING		"pending"
#define DEP_S_WAITING_KEY	"waiting-for-key"
#define DEP_S_OUTDATED		"outdated"

/* A deployment's work as recorded work: failures back off. */
extern const struct intent_kind deploy_intent;

/* NAME/ACCOUNT/REGION (allocated). */
char	*deployment_key(const char *, const char *, const char *);
/* One record (NULL when absent or unreadable: logged). */
json_t	*deployment_get(const char *);
/*
 * Change one record in t: set's members set (a null one removed), del's
 * (an array of names) removed, updated stamped; the record is made when
 * there is none.
 */
int	 deployment_put(struct store_txn *, const char *, const json_t *,
	     const json_t *, char **);
/* deployment_put in a transaction of its own; set is taken over. */
int	 deployment_update(const char *, json_t *, char **);
/*
 * Every deployment (or those of certificate name): keys and records, two
 * arrays in the same order.  -1 with cause.
 */
int	 deployments_collect(const char *, json_t **, json_t **, char **);
/*
 * deploy list (full 0: a row of chosen fields) or show (full: the
 * records), of one certificate or all; states as shown.
 */
json_t	*deployments_rows(const char *, int, char **);
/*
 * Forget the deployments of name (in regions, NULL: all) from acmd; ACM
 * is not touched.  The keys forgotten, or NULL with cause (ENOTFOUND:
 * *notfound set).
 */
json_t	*deployments_forget(const char *, char **, int *, char **);
/*
 * The state to show of deployment rec whose certificate's current version
 * is current: its recorded state, but "outdated" for one in sync at an
 * older version than the repository's current.
 */
const char *deploy_state_shown(const json_t *, long long);
/* Whether rec is a file target's. */
int	 deployment_is_target(const json_t *);

#endif
