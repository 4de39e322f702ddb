/*
 * Checks of acmd.conf values beyond their type (conf_table's .check):
 * 0, or -1 with the reason in *cause.
 */
#ifndef ACMD_CONF_CHECK_H
#define ACMD_CONF_CHECK_H

#include <sys/types.h>

/* Between the addresses of mail_to (notify.c splits it on the same). */
#define CONF_MAIL_SEPARATORS	" \t,;"

int	conf_check_rates(const char *, char **);
int	conf_check_absolute(const char *, char **);
/* An octal file mode, at most 0777, into *m. */
int	conf_mode(const char *, mode_t *, char **);
/* Absolute directories separated by spaces. */
int	conf_check_dirs(const char *, char **);
int	conf_check_regions(const char *, char **);
int	conf_check_http_url(const char *, char **);
int	conf_check_smtp_url(const char *, char **);
int	conf_check_mail(const char *, char **);
int	conf_check_mail_list(const char *, char **);
int	conf_check_listen(const char *, char **);
int	conf_check_allow(const char *, char **);

#endif
