/* The daemon's global state: one of each, set up by main.c. */
#ifndef ACMD_ACMD_H
#define ACMD_ACMD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct config;
struct store;
struct vault;

struct acmd {
	struct event_base	*base;
	struct config		*conf;
	struct store		*store;
	struct vault		*vault;
	time_t			 started;
	const char		*conf_path;
	int			 conf_explicit;
	size_t			 clients;	/* connected to the socket */
	uint64_t		 last_client_ms; /* the last request or answer */
};

extern struct acmd	acmd;

#endif
