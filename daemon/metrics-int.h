/*
 * Inside the metrics page: kept parts of it (metrics-part.c) and its
 * inventory part, rendered in slices (metrics-inv.c).
 */
#ifndef ACMD_METRICS_INT_H
#define ACMD_METRICS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct evbuffer;
struct mtext;

/*
 * A part of the page kept until what it came from moves.  Its text goes
 * out by reference (a 100,000-certificate page is 28 MB): counted, so a
 * part rendered again while an earlier page is still being sent is freed
 * once that page has gone.
 */
struct blob {
	char		*p;
	size_t		 len;
	unsigned	 refs;
};

struct part {
	struct blob	*b;
	uint64_t	 gen;
	int		 valid;
};

/* The part's text from the text (taken over), of generation gen. */
void	 part_set(struct part *, struct mtext *, uint64_t);
/* The part's text onto a buffer, by reference. */
void	 part_send(struct evbuffer *, struct part *);
void	 part_free(struct part *);
/* One more under a key of counts (a JSON object of integers). */
void	 count_one(json_t *, const char *);

/*
 * The inventory's part: its certificate lines and their counts.  Each
 * scrape calls metrics_inv_update, which starts a new rendering when the
 * inventory moved and takes one slice of it; the rest runs in slices at
 * the loop's lowest priority, and the page shows the last complete
 * rendering meanwhile.  It returns whether the rows shown are behind the
 * inventory (acmd_inventory_stale).  metrics_inv_ready: whether there is
 * a complete rendering to show; when there is none, ready is called once
 * the first one is done.
 */
int	 metrics_inv_update(void);
int	 metrics_inv_ready(void);
void	 metrics_inv_on_ready(void (*)(void));
void	 metrics_inv_counts(struct mtext *);
void	 metrics_inv_lines(struct evbuffer *);
void	 metrics_inv_free(void);

#endif
