/*
 * The AWS shared config and credentials files, read the way the AWS CLI
 * (botocore) reads them: "[name]" sections in the credentials file,
 * "[profile name]" (and "[default]") in the config file, keys
 * case-insensitive, and the credentials file winning over the config file
 * for the same profile.
 */
#ifndef ACMD_PROFILE_H
#define ACMD_PROFILE_H

/* Lines longer than this (less 3) are a parse error. */
#define AWS_PROFILE_MAX_LINE	16384

struct aws_profile {
	char	*name;
	char	*access_key_id;
	char	*secret_access_key;	/* secret: cleansed on free */
	char	*session_token;		/* secret too */
	char	*region;
	char	*role_arn;
	char	*source_profile;
	char	*external_id;
	char	*role_session_name;
	char	*endpoint_url;
};

/*
 * Load profile name from the two files; either path may be NULL or name a
 * missing file.  Empty values are NULL.  0 with *out allocated, or -1
 * with *cause allocated (a missing profile names both files).
 */
int	 aws_profile_load(const char *, const char *, const char *,
	     struct aws_profile **, char **);
/* Free, cleansing the secrets; NULL is a no-op. */
void	 aws_profile_free(struct aws_profile *);

/*
 * The files and profile the AWS CLI would use, from the environment:
 * AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials),
 * AWS_CONFIG_FILE (default ~/.aws/config), AWS_DEFAULT_PROFILE then
 * AWS_PROFILE (default "default"); an empty variable counts as unset.
 * Paths have $VAR, ${VAR} and then ~ expanded as Python's
 * os.path.expandvars and expanduser do (HOME, else the password
 * database).  Every result is allocated.
 */
void	 aws_profile_env(char **, char **, char **);
/* The expansion above, on its own; allocated. */
char	*aws_profile_expand_path(const char *);

#endif
