/*
 * Checks of acmd.conf values beyond their type (conf_table's .check):
 * 0, or -1 with the reason in *cause.
 */
#ifndef ACMD_CONF_CHECK_H
#define ACMD_CONF_CHECK_H

/* Between the addresses of mail_to (notify.c splits it on the same). */
#define CONF_MAIL_SEPARATORS	" \t,;"

int	conf_check_rates(const char *, char **);
int	conf_check_absolute(const char *, char **);
int	conf_check_regions(const char *, char **);
int	conf_check_http_url(const char *, char **);
int	conf_check_smtp_url(const char *, char **);
int	conf_check_mail(const char *, char **);
int	conf_check_mail_list(const char *, char **);
int	conf_check_listen(const char *, char **);
int	conf_check_allow(const char *, char **);

#endif
