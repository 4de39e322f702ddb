/* Allocation wrappers: they never return NULL (fatal on exhaustion). */
#ifndef ACMD_XMALLOC_H
#define ACMD_XMALLOC_H

#include <stddef.h>
#include <stdarg.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	*xmemdup(const void *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* A formatted string, allocated. */
char	*xstrdupf(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
int	 xvasprintf(char **, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));
/* Free after cleansing len bytes; NULL is a no-op. */
void	 xfree_secret(void *, size_t);
/*
 * Memory for a secret: from OpenSSL's secure heap (locked, left out of
 * core files) while it has room, else the ordinary heap.  Zeroed.  Free
 * with xfree_secret, which cleanses either kind.
 */
void	*xmalloc_secret(size_t);
char	*xstrdup_secret(const char *);

#endif
