/* Client-side preparation: secrets from standard input, files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "acmctl.h"
#include "xmalloc.h"

char *
read_secret(const char *prompt)
{
	struct termios	 old, quiet;
	char		 buf[4096];
	int		 tty = isatty(STDIN_FILENO);
	size_t		 len;
	char		*s;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		fflush(stderr);
		if (tcgetattr(STDIN_FILENO, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		}
	}
	s = fgets(buf, sizeof buf, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (s == NULL)
		return (NULL);
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	s = xstrdup(buf);
	OPENSSL_cleanse(buf, sizeof buf);
	return (s);
}

/* credential add: the secret access key from standard input, never argv. */
int
prepare_secret(const struct ctl_cmd *c, json_t *args)
{
	char	*secret;

	if (json_object_get(args, "access_key") == NULL)
		return (0);
	secret = read_secret("AWS secret access key: ");
	if (secret == NULL || *secret == '\0') {
		fprintf(stderr, "acmctl %s: no secret access key on standard "
		    "input\n", c->name);
		free(secret);
		return (-1);
	}
	json_object_set_new(args, "secret", json_string(secret));
	OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
	return (0);
}
