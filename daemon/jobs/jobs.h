/*
 * Every scheduled job of acmd, one file each in daemon/jobs/:
 *
 *   discovery.c   ACM and IAM inventory (every discovery_interval)
 *   expiry.c      expiry notifications (after each discovery, hourly)
 *   watch.c       watched directories (inotify)
 *   redeploy.c    deployments in flight at a crash, failed auto-redeploys
 *   mismatch.c    deployments against ACM (every mismatch_interval)
 *   requests.c    the request poller and request key exports
 *   renewals.c    renewals in flight at a crash or backing off
 *   backup.c      compacted copies of the store (every backup_interval)
 *
 * jobs_init starts them all (after the store, vault and AWS engine),
 * jobs_configure applies a reloaded configuration, jobs_shutdown ends what
 * they have in progress (before the server stops), jobs_free stops them.
 */
#ifndef ACMD_JOBS_H
#define ACMD_JOBS_H

void	jobs_init(void);
void	jobs_configure(void);
void	jobs_shutdown(void);
void	jobs_free(void);

void	redeploy_job_init(void);
void	mismatch_job_init(void);
void	mismatch_job_configure(void);
void	requests_job_init(void);
void	renewals_job_init(void);
void	backup_job_init(void);
void	backup_job_configure(void);

#endif
