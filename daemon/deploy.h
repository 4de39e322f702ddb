/*
 * The deploy engine: a repository certificate's version imported into ACM
 * region by region (a unit each, in parallel).  Every region's intent is
 * recorded (deployments.h) before AWS hears anything; a certificate that
 * is in ACM already is never imported twice (acmd's earlier ARN is looked
 * at, else the region is listed for the same fingerprint); --replace and
 * auto-redeploy re-import onto acmd's ARN.  Finished regions are written
 * in one transaction per turn of the event loop.
 */
#ifndef ACMD_DEPLOY_H
#define ACMD_DEPLOY_H

#include <jansson.h>

#include "op.h"

/* What to deploy (deploy NAME ...). */
struct deploy_spec {
	char	*name;
	char	*credential;
	json_t	*regions;	/* strings; with all_regions, the configured */
	int	 all_regions;
	int	 replace;
	int	 auto_redeploy;
	json_t	*tags;		/* [{Key, Value}] or NULL */
	json_t	*targets;	/* [target] names (strings), or NULL */
};

void	deploy_init(void);
/* Stopping: record what finished regions have not written yet. */
void	deploy_shutdown(void);
void	deploy_spec_free(struct deploy_spec *);
/*
 * Deploy the certificate's current version as the spec says (taken
 * over); reply gets progress per region, then {regions, failed,
 * deployments [rows]}, or an error carrying the rows when any failed.
 */
void	deploy_run(struct deploy_spec *, struct op_reply);
/*
 * Re-deploy what is out of sync (name NULL: everything); replies so,
 * with extra's members (taken over; may be NULL) in the answer.
 */
void	deploy_sync(const char *, json_t *, struct op_reply);
/* Resume what is due: in flight at a crash, failed auto-redeploys. */
void	deploy_resume(void);
/* ACM holds something else at deployment key (rec): re-import there. */
void	deploy_repair(const char *, const json_t *);
/* Certificate name has a new version, or a version got its key. */
void	deploy_new_version(const char *, long);
/* Whether deployment key is being worked on now. */
int	deploy_active(const char *);
int	deploy_busy(void);

#endif
