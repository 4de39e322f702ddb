/*
 * Deployments: a repository certificate imported into ACM, one record per
 * (certificate, account, region) in the deployments database, key
 * "NAME/ACCOUNT/REGION":
 *
 *   name, credential, account, region, arn, version, sha256 (deployed),
 *   replace, auto_redeploy, tags {}, state, last_error, updated,
 *   intent {version, sha256, started}   set before any AWS call; while it
 *                                        is there the deployment is in
 *                                        flight and is resumed at start
 *   attempts, next_retry                 failed auto-redeploys back off
 *
 * States: pending, deploying, in-sync, mismatch (ACM holds another
 * certificate at the ARN), missing (the ARN is gone from ACM), failed;
 * shown, not recorded: outdated (in sync, at an older version than the
 * repository's current).
 */
#ifndef ACMD_DEPLOY_H
#define ACMD_DEPLOY_H

#include <jansson.h>

struct cmd_ctx;

void	deploy_init(void);
void	deploy_configure(void);
/* Stopping: record what finished regions have not written yet. */
void	deploy_shutdown(void);
/*
 * Deploy a certificate's current version: args are the command's (name,
 * credential, region[], all_regions, replace, auto_redeploy, tag[]).
 * Replies to ctx when every region is done.
 */
void	deploy_start(struct cmd_ctx *);
/* Re-deploy what is out of sync (name NULL: everything). */
void	deploy_sync(struct cmd_ctx *, const char *);
/*
 * Compare every deployment with what ACM holds now; done (may be NULL)
 * gets the rows found, {deployment, arn, state, was, error, repair} (taken
 * over), once every answer is in.
 */
typedef void (*deploy_check_cb)(json_t *, void *);
void	deploy_check(deploy_check_cb, void *);
void	deploy_check_all(void);
/* A certificate got a new version: auto-redeploy. */
void	deploy_new_version(const char *, long);
int	deploy_busy(void);
/*
 * The state to show of deployment rec whose certificate's current version
 * is current: its recorded state, but "outdated" for one in sync at an
 * older version than the repository's current.
 */
const char *deploy_state_shown(const json_t *, long long);

#endif
