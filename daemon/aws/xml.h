/*
 * A tiny read-only DOM over expat for the answers of IAM, STS and Route 53,
 * and escaping for the XML request bodies acmd writes.
 *
 * The parser takes untrusted input: document type declarations (and so
 * every entity declaration) are refused, and depth, element count and size
 * are bounded.
 */
#ifndef ACMD_XML_H
#define ACMD_XML_H

#include <stddef.h>

#define XML_MAX_DEPTH		64
#define XML_MAX_NODES		200000
#define XML_MAX_SIZE		(16 * 1024 * 1024)

struct xml_node {
	char		*name;	/* local name, namespace stripped */
	char		*text;	/* own text, trimmed; not NULL */
	struct xml_node	*children;
	struct xml_node	*next;
	struct xml_node	*parent;
};

/*
 * Parse len bytes into a tree whose root is the document element.
 * 0 and *root set, or -1 with *cause allocated.  Free with xml_free.
 */
int	 xml_parse(const char *, size_t, struct xml_node **, char **);
/* Free a tree, cleansing the text (it may be a secret); NULL: no-op. */
void	 xml_free(struct xml_node *);

/*
 * Lookups.  Returned pointers are borrowed and live as long as the tree.
 * A NULL node gives NULL, so calls can be chained.
 */
/* First child named name (any name when name is NULL). */
const struct xml_node *xml_child(const struct xml_node *, const char *);
/*
 * The first match of a path of child names ("A/B/C") relative to node;
 * an empty or NULL path gives node itself.
 */
const struct xml_node *xml_path(const struct xml_node *, const char *);
/* Trimmed text of the node at path, or NULL if there is no such node. */
const char	*xml_text(const struct xml_node *, const char *);
/*
 * The next sibling after after named name (any name when NULL).  Walk
 * repeated children with:
 *	for (n = xml_child(list, "member"); n != NULL;
 *	    n = xml_next_named(n, "member"))
 */
const struct xml_node *xml_next_named(const struct xml_node *, const char *);
/* Number of children named name (all children when NULL). */
size_t	 xml_count(const struct xml_node *, const char *);

/*
 * An allocated copy of s escaped for XML character data or an attribute
 * value (& < > " ' and carriage return).  Control characters XML 1.0
 * cannot carry (C0 other than tab, newline and carriage return) are
 * dropped.
 */
char	*xml_escape(const char *);

#endif
