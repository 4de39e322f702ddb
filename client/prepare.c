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
#include "pem.h"
#include "proto.h"
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
	char	*secret, *token;

	if (json_object_get(args, PROTO_A_ACCESS_KEY) == NULL)
		return (0);
	secret = read_secret("AWS secret access key: ");
	if (secret == NULL || *secret == '\0') {
		fprintf(stderr, "acmctl %s: no secret access key on standard "
		    "input\n", c->name);
		free(secret);
		return (-1);
	}
	json_object_set_new(args, PROTO_A_SECRET, json_string(secret));
	OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
	/* Temporary credentials: the session token on the next line. */
	if (!isatty(STDIN_FILENO) && (token = read_secret("")) != NULL) {
		if (*token != '\0')
			json_object_set_new(args, PROTO_A_SESSION_TOKEN,
			    json_string(token));
		OPENSSL_cleanse(token, strlen(token));
		free(token);
	}
	return (0);
}

char *
ctl_read_file(const char *cmd, const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 len;

	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "acmctl %s: %s: %s\n", cmd, path,
		    strerror(errno));
		return (NULL);
	}
	buf = xmalloc(PEM_MAX_INPUT + 1);
	len = fread(buf, 1, PEM_MAX_INPUT + 1, f);
	if (ferror(f) || len > PEM_MAX_INPUT) {
		fprintf(stderr, "acmctl %s: %s: %s\n", cmd, path, ferror(f) ?
		    "read error" : "larger than 1 MiB");
		fclose(f);
		free(buf);
		return (NULL);
	}
	fclose(f);
	buf[len] = '\0';
	return (buf);
}

/* cert add / renew: an encrypted key asks for its passphrase. */
int
prepare_passphrase(const struct ctl_cmd *c, json_t *args)
{
	const char	*key;
	struct pem_key	*pk = NULL;
	char		*cause = NULL, *pass;
	int		 r;

	if ((key = json_string_value(json_object_get(args, PROTO_A_KEY_PEM))) ==
	    NULL)
		return (0);
	r = pem_key_parse(key, strlen(key), NULL, &pk, &cause);
	pem_key_free(pk);
	free(cause);
	if (r != PEM_KEY_NEEDPASS)
		return (0);
	pass = read_secret("passphrase of the private key: ");
	if (pass == NULL) {
		fprintf(stderr, "acmctl %s: the private key is encrypted and no "
		    "passphrase was given\n", c->name);
		return (-1);
	}
	json_object_set_new(args, PROTO_A_PASSPHRASE, json_string(pass));
	OPENSSL_cleanse(pass, strlen(pass));
	free(pass);
	return (0);
}

/*
 * renew --with-key, fetch-key, delete: confirmation on the terminal
 * unless --yes; without a terminal and without --yes, refused.
 */
int
prepare_confirm(const struct ctl_cmd *c, json_t *args)
{
	const char	*arn = json_string_value(json_object_get(args, "arn"));
	char		 buf[64];
	int		 charged;

	if (strcmp(c->cmd, "renew") == 0 &&
	    json_object_get(args, "with_key") == NULL)
		return (0);
	/* --yes: the person knows already; nothing to say. */
	if (json_is_true(json_object_get(args, "yes")))
		return (0);
	charged = strcmp(c->cmd, "delete") != 0;
	if (charged)
		fprintf(stderr, "acmctl %s: AWS charges for each export of a "
		    "certificate's key\n", c->name);
	else
		fprintf(stderr, "acmctl %s: %s is removed from acmd only (with "
		    "its requests and deployment records); ACM is not "
		    "touched\n", c->name, arn != NULL ? arn : "the certificate");
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "acmctl %s: no terminal to confirm on: give "
		    "--yes\n", c->name);
		return (-1);
	}
	fprintf(stderr, "%s %s? [y/N] ", charged ? "export the key of" :
	    "delete", arn != NULL ? arn : "it");
	fflush(stderr);
	if (fgets(buf, sizeof buf, stdin) == NULL ||
	    (buf[0] != 'y' && buf[0] != 'Y')) {
		fprintf(stderr, "acmctl %s: cancelled\n", c->name);
		return (-1);
	}
	json_object_set_new(args, "yes", json_true());
	return (0);
}
