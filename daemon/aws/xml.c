/*
 * A tiny DOM over expat.  The input is untrusted: document type
 * declarations are refused outright (no entity of any kind can be
 * declared, so there is nothing to expand), and depth, element count and
 * size are bounded.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "xmalloc.h"
#include "xml.h"

/* Separator expat puts between namespace URI and local name. */
#define XML_NS_SEP	'\n'

struct xml_frame {
	struct xml_node	*node;
	struct xml_node	*last;		/* last child */
	char		*buf;		/* character data so far */
	size_t		 len;
	size_t		 size;
};

struct xml_state {
	XML_Parser	 parser;
	struct xml_node	*root;
	struct xml_frame stack[XML_MAX_DEPTH];
	size_t		 depth;
	size_t		 nodes;
	char		*error;		/* why the parser stopped */
};

static void
xml_stop(struct xml_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
xml_stop(struct xml_state *st, const char *fmt, ...)
{
	va_list	ap;

	if (st->error == NULL) {
		va_start(ap, fmt);
		xvasprintf(&st->error, fmt, ap);
		va_end(ap);
	}
	XML_StopParser(st->parser, XML_FALSE);
}

static const char *
xml_local_name(const XML_Char *name)
{
	const char	*p;

	if ((p = strrchr(name, XML_NS_SEP)) != NULL)
		return (p + 1);
	return (name);
}

static char *
xml_trim(const char *buf, size_t len)
{
	const char	*end;

	if (buf == NULL)
		return (xstrdup(""));
	end = buf + len;
	while (buf < end && (*buf == ' ' || *buf == '\t' || *buf == '\n' ||
	    *buf == '\r'))
		buf++;
	while (end > buf && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\n' || end[-1] == '\r'))
		end--;
	return (xstrndup(buf, end - buf));
}

static void
xml_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xml_state	*st = arg;
	struct xml_frame	*f;
	struct xml_node		*n;

	if (st->error != NULL)
		return;
	if (st->depth == XML_MAX_DEPTH) {
		xml_stop(st, "XML elements nested deeper than %d",
		    XML_MAX_DEPTH);
		return;
	}
	if (st->nodes == XML_MAX_NODES) {
		xml_stop(st, "XML document has more than %d elements",
		    XML_MAX_NODES);
		return;
	}
	st->nodes++;

	n = xcalloc(1, sizeof *n);
	n->name = xstrdup(xml_local_name(name));
	if (st->depth == 0)
		st->root = n;
	else {
		f = &st->stack[st->depth - 1];
		n->parent = f->node;
		if (f->last == NULL)
			f->node->children = n;
		else
			f->last->next = n;
		f->last = n;
	}
	f = &st->stack[st->depth++];
	memset(f, 0, sizeof *f);
	f->node = n;
}

static void
xml_end(void *arg, const XML_Char *name)
{
	struct xml_state	*st = arg;
	struct xml_frame	*f;

	if (st->error != NULL || st->depth == 0)
		return;
	f = &st->stack[--st->depth];
	f->node->text = xml_trim(f->buf, f->len);
	xfree_secret(f->buf, f->size);
	memset(f, 0, sizeof *f);
}

static void
xml_data(void *arg, const XML_Char *s, int len)
{
	struct xml_state	*st = arg;
	struct xml_frame	*f;
	char			*nbuf;
	size_t			 size;

	if (st->error != NULL || st->depth == 0 || len <= 0)
		return;
	f = &st->stack[st->depth - 1];
	/* Expat never gives more text than its input, which is bounded. */
	if (f->len + (size_t)len + 1 > f->size) {
		/* Grow by copying, so that no secret is left behind. */
		size = f->size == 0 ? 64 : f->size;
		while (f->len + (size_t)len + 1 > size)
			size *= 2;
		nbuf = xmalloc(size);
		if (f->len != 0)
			memcpy(nbuf, f->buf, f->len);
		xfree_secret(f->buf, f->size);
		f->buf = nbuf;
		f->size = size;
	}
	memcpy(f->buf + f->len, s, len);
	f->len += len;
}

static void
xml_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	xml_stop(arg, "XML document type declarations are refused");
}

static void
xml_entity(void *arg, const XML_Char *name, int is_parameter,
    const XML_Char *value, int value_len, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	xml_stop(arg, "XML entity declarations are refused");
}

static int
xml_external(XML_Parser p, const XML_Char *context, const XML_Char *base,
    const XML_Char *sysid, const XML_Char *pubid)
{
	/* Never reached without a DTD; refuse anyway. */
	return (XML_STATUS_ERROR);
}

static void
xml_cleanup(struct xml_state *st)
{
	size_t	i;

	/* Nodes still open are all in the tree under root. */
	for (i = 0; i < st->depth; i++)
		xfree_secret(st->stack[i].buf, st->stack[i].size);
	st->depth = 0;
	xml_free(st->root);
	st->root = NULL;
}

int
xml_parse(const char *buf, size_t len, struct xml_node **root, char **cause)
{
	struct xml_state	 st;
	enum XML_Status		 status;

	*root = NULL;
	if (len > XML_MAX_SIZE) {
		xasprintf(cause, "XML document of %zu bytes is over the "
		    "limit of %d", len, XML_MAX_SIZE);
		return (-1);
	}
	memset(&st, 0, sizeof st);
	if ((st.parser = XML_ParserCreateNS(NULL, XML_NS_SEP)) == NULL) {
		xasprintf(cause, "cannot create XML parser");
		return (-1);
	}
	XML_SetUserData(st.parser, &st);
	XML_SetElementHandler(st.parser, xml_start, xml_end);
	XML_SetCharacterDataHandler(st.parser, xml_data);
	XML_SetStartDoctypeDeclHandler(st.parser, xml_doctype);
	XML_SetEntityDeclHandler(st.parser, xml_entity);
	XML_SetExternalEntityRefHandler(st.parser, xml_external);
	XML_SetParamEntityParsing(st.parser, XML_PARAM_ENTITY_PARSING_NEVER);

	status = XML_Parse(st.parser, buf == NULL ? "" : buf, (int)len, 1);
	if (st.error != NULL) {
		*cause = st.error;
		goto fail;
	}
	if (status != XML_STATUS_OK) {
		xasprintf(cause,
		    "XML not well-formed at line %lu column %lu: %s",
		    (unsigned long)XML_GetCurrentLineNumber(st.parser),
		    (unsigned long)XML_GetCurrentColumnNumber(st.parser),
		    XML_ErrorString(XML_GetErrorCode(st.parser)));
		goto fail;
	}
	if (st.root == NULL || st.depth != 0) {
		xasprintf(cause, "XML document has no element");
		goto fail;
	}
	XML_ParserFree(st.parser);
	*root = st.root;
	return (0);

fail:
	XML_ParserFree(st.parser);
	xml_cleanup(&st);
	return (-1);
}

void
xml_free(struct xml_node *n)
{
	struct xml_node	*next;

	/* Recursion is bounded by XML_MAX_DEPTH; siblings are a loop. */
	while (n != NULL) {
		next = n->next;
		xml_free(n->children);
		free(n->name);
		if (n->text != NULL)
			xfree_secret(n->text, strlen(n->text));
		free(n);
		n = next;
	}
}

static int
xml_name_is(const struct xml_node *n, const char *name, size_t len)
{
	return (strncmp(n->name, name, len) == 0 && n->name[len] == '\0');
}

const struct xml_node *
xml_child(const struct xml_node *n, const char *name)
{
	const struct xml_node	*c;

	if (n == NULL)
		return (NULL);
	for (c = n->children; c != NULL; c = c->next) {
		if (name == NULL || strcmp(c->name, name) == 0)
			return (c);
	}
	return (NULL);
}

const struct xml_node *
xml_path(const struct xml_node *n, const char *path)
{
	const struct xml_node	*c;
	const char		*end;
	size_t			 len;

	if (path == NULL)
		return (n);
	while (n != NULL && *path != '\0') {
		if (*path == '/') {
			path++;
			continue;
		}
		end = strchr(path, '/');
		len = end == NULL ? strlen(path) : (size_t)(end - path);
		for (c = n->children; c != NULL; c = c->next) {
			if (xml_name_is(c, path, len))
				break;
		}
		n = c;
		path += len;
	}
	return (n);
}

const char *
xml_text(const struct xml_node *n, const char *path)
{
	if ((n = xml_path(n, path)) == NULL)
		return (NULL);
	return (n->text != NULL ? n->text : "");
}

const struct xml_node *
xml_next_named(const struct xml_node *after, const char *name)
{
	const struct xml_node	*c;

	if (after == NULL)
		return (NULL);
	for (c = after->next; c != NULL; c = c->next) {
		if (name == NULL || strcmp(c->name, name) == 0)
			return (c);
	}
	return (NULL);
}

size_t
xml_count(const struct xml_node *n, const char *name)
{
	const struct xml_node	*c;
	size_t			 count = 0;

	for (c = xml_child(n, name); c != NULL; c = xml_next_named(c, name))
		count++;
	return (count);
}

char *
xml_escape(const char *s)
{
	const unsigned char	*p;
	const char		*rep;
	char			*out, *o;
	size_t			 len = 1;

	if (s == NULL)
		return (xstrdup(""));
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			len += 5;
			break;
		case '<':
		case '>':
			len += 4;
			break;
		case '"':
		case '\'':
		case '\r':
			len += 6;
			break;
		default:
			len++;
			break;
		}
	}
	o = out = xmalloc(len);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		rep = NULL;
		switch (*p) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&apos;";
			break;
		case '\r':
			rep = "&#xD;";
			break;
		case '\t':
		case '\n':
			break;
		default:
			if (*p < 0x20)
				continue;
			break;
		}
		if (rep != NULL) {
			memcpy(o, rep, strlen(rep));
			o += strlen(rep);
		} else
			*o++ = *p;
	}
	*o = '\0';
	return (out);
}
