#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "xmalloc.h"

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		fatal("xmalloc: allocating %zu bytes", size);
	return (p);
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		fatal("xcalloc: allocating %zu * %zu bytes", n, size);
	return (p);
}

void *
xreallocarray(void *ptr, size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if (SIZE_MAX / n < size)
		fatalx("xreallocarray: %zu * %zu overflows", n, size);
	if ((p = realloc(ptr, n * size)) == NULL)
		fatal("xreallocarray: allocating %zu * %zu bytes", n, size);
	return (p);
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("xstrdup");
	return (p);
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	if (n == 0)	/* s may be NULL then (an empty msgpack string) */
		return (xstrdup(""));
	if ((p = strndup(s, n)) == NULL)
		fatal("xstrndup");
	return (p);
}

void *
xmemdup(const void *src, size_t len)
{
	void	*p;

	p = xmalloc(len);
	if (len != 0)
		memcpy(p, src, len);
	return (p);
}

int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int	 i;

	i = vasprintf(ret, fmt, ap);
	if (i < 0 || *ret == NULL)
		fatal("xvasprintf");
	return (i);
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 i;

	va_start(ap, fmt);
	i = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return (i);
}

char *
xstrdupf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	return (s);
}

void
xfree_secret(void *p, size_t len)
{
	if (p == NULL)
		return;
	if (CRYPTO_secure_allocated(p))
		OPENSSL_secure_clear_free(p, len);
	else {
		OPENSSL_cleanse(p, len);
		free(p);
	}
}

void *
xmalloc_secret(size_t len)
{
	void	*p;

	if (len == 0)
		len = 1;
	if (CRYPTO_secure_malloc_initialized() &&
	    (p = OPENSSL_secure_zalloc(len)) != NULL)
		return (p);
	return (xcalloc(1, len));
}

char *
xstrdup_secret(const char *s)
{
	size_t	 len = strlen(s) + 1;
	char	*p;

	p = xmalloc_secret(len);
	memcpy(p, s, len);
	return (p);
}
