/* acmd: keeps a local certificate repository and AWS ACM in sync. */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <malloc.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "acmd.h"
#include "aws/aws.h"
#include "creds.h"
#include "deploy.h"
#include "inventory.h"
#include "conf.h"
#include "jobs/jobs.h"
#include "keycheck.h"
#include "lifecycle.h"
#include "log.h"
#include "metrics.h"
#include "mismatch.h"
#include "proto.h"
#include "sd.h"
#include "targets.h"
#include "server.h"
#include "store.h"
#include "util.h"
#include "vault.h"
#include "xmalloc.h"



/*
 * jansson holds AWS answers and requests, some with keys or secrets in
 * them: everything it frees is cleansed first.
 */
static void
json_cleansing_free(void *p)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, malloc_usable_size(p));
	free(p);
}

static __attribute__((noreturn)) void
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: acmd [-dhnV] [-c file] [--check-store]\n"
	    "  -c file  configuration file (default %s)\n"
	    "  -d       log debug messages\n"
	    "  -n       check the configuration, print it and exit\n"
	    "  --check-store\n"
	    "           read every record of the store, report and exit\n"
	    "  -h       this help\n"
	    "  -V       print the version and exit\n", CONF_DEFAULT_PATH);
	exit(code);
}

static enum log_target
pick_log_target(const struct config *c)
{
	if (strcmp(c->log, "journal") == 0)
		return (LOG_TO_JOURNAL);
	if (strcmp(c->log, "auto") == 0 && getenv("JOURNAL_STREAM") != NULL &&
	    sdx_journal_available())
		return (LOG_TO_JOURNAL);
	return (LOG_TO_STDERR);
}

static void
reload(void)
{
	struct config	*c, *old = acmd.conf;
	char		*cause = NULL;

	sdx_reloading();
	log_info("reloading %s", acmd.conf_path);
	c = config_load(acmd.conf_path, !acmd.conf_explicit, &cause);
	if (c == NULL) {
		log_warnx("reload failed, keeping the running configuration: %s",
		    cause);
		free(cause);
		sdx_ready();
		return;
	}
	if (strcmp(c->socket, old->socket) != 0 ||
	    strcmp(c->state_dir, old->state_dir) != 0 ||
	    strcmp(config_master_key(c), config_master_key(old)) != 0)
		log_warnx("socket, state_dir and master_key take effect at the "
		    "next start");
	/* Keep what cannot change while running. */
	free(c->socket);
	c->socket = xstrdup(old->socket);
	free(c->state_dir);
	c->state_dir = xstrdup(old->state_dir);
	free(c->master_key);
	c->master_key = old->master_key ? xstrdup(old->master_key) : NULL;
	acmd.conf = c;
	server_reconfigure(old);
	metrics_http_reconfigure(old);
	config_free(old);
	aws_configure(c);
	jobs_configure();
	creds_forget_all();
	log_set_verbose(c->debug);
	log_init("acmd", pick_log_target(c), c->debug);
	sdx_ready();
	log_info("configuration reloaded");
}

static void
signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	switch (sig) {
	case SIGHUP:
		reload();
		break;
	case SIGTERM:
	case SIGINT:
		log_info("%s: shutting down", sig == SIGTERM ? "SIGTERM" :
		    "SIGINT");
		sdx_stopping();
		event_base_loopexit(acmd.base, NULL);
		break;
	}
}

/*
 * Everything runs on one event loop: a callback that blocks it (a slow
 * disk under an LMDB commit, say) delays every client and every paced
 * AWS call.  Say so when it happens, at most once a minute.
 */
#define LOOP_TICK_MS	250
#define LOOP_STALL_MS	500

static struct event	*loop_ev;
static uint64_t		 loop_last, loop_warned;

static void
loop_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	uint64_t	 now = now_ms(), late;

	late = now - loop_last > LOOP_TICK_MS ? now - loop_last -
	    LOOP_TICK_MS : 0;
	loop_last = now;
	if (late >= LOOP_STALL_MS && (loop_warned == 0 ||
	    now - loop_warned >= 60000)) {
		log_warnx("the event loop was blocked for %llu ms",
		    (unsigned long long)late);
		loop_warned = now;
	}
}

static void
loop_monitor(struct event_base *base)
{
	struct timeval	 tv = { 0, LOOP_TICK_MS * 1000 };

	if (base == NULL) {
		if (loop_ev != NULL)
			event_free(loop_ev);
		loop_ev = NULL;
		return;
	}
	loop_last = now_ms();
	loop_ev = event_new(base, -1, EV_PERSIST, loop_tick_cb, NULL);
	event_add(loop_ev, &tv);
}

/*
 * The loop runs callbacks by priority: what a client or a scrape waits for
 * (the control socket, the metrics listener, signals, timers) at the
 * default, 1; AWS answers and the work they carry (a discovery's pages,
 * its batches into the store) at the lowest, 2 (aws/http.c), and then for
 * at most LOOP_SLICE_MS before the loop looks for new events again.  A
 * ping waits for one callback of that work, not for all that were ready.
 */
#define LOOP_PRIORITIES	3
#define LOOP_SLICE_MS	5

static struct event_base *
loop_new(void)
{
	struct event_config	*cfg;
	struct event_base	*base = NULL;
	struct timeval		 tv = { 0, LOOP_SLICE_MS * 1000 };

	if ((cfg = event_config_new()) == NULL)
		return (NULL);
	if (event_config_set_max_dispatch_interval(cfg, &tv, -1,
	    LOOP_PRIORITIES - 1) == 0)
		base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base != NULL && event_base_priority_init(base,
	    LOOP_PRIORITIES) != 0) {
		event_base_free(base);
		base = NULL;
	}
	return (base);
}

/*
 * The secure heap holds the master key and the secrets acmd works with
 * (credentials, private keys while they are used): locked in memory and
 * left out of core files.  Past its size, secrets go to the ordinary
 * heap, cleansed when freed all the same.
 */
#define SECURE_HEAP_SIZE	(1024 * 1024)
#define SECURE_HEAP_MIN		32

static void
secure_heap_init(void)
{
	switch (CRYPTO_secure_malloc_init(SECURE_HEAP_SIZE, SECURE_HEAP_MIN)) {
	case 1:
		break;
	case 2:
		log_warnx("secure heap: not locked in memory (RLIMIT_MEMLOCK "
		    "below %d KiB?); secrets may be swapped out",
		    SECURE_HEAP_SIZE / 1024);
		break;
	default:
		log_warnx("secure heap: cannot set it up; secrets stay in the "
		    "ordinary heap, cleansed when freed");
		break;
	}
}

/* Secrets never reach a core file; room for many clients. */
static void
process_limits(void)
{
	struct rlimit	 rl;

	prctl(PR_SET_DUMPABLE, 0);
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	/* Keep the hard limit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * The event loop, the socket, the state (another acmd on this socket is
 * told first; then one acmd per state directory, locked before anything
 * in it is opened; data.mdb checked before it is mapped), the vault (its
 * key checked against the store), AWS and the jobs.
 */
static void
start(void)
{
	char	*cause = NULL;

	acmd.started = time(NULL);
	if ((acmd.base = loop_new()) == NULL)
		fatalx("cannot create the event loop");
	if (server_start(&cause) != 0)
		fatalx("server: %s", cause);
	if (store_lock_dir(acmd.conf->state_dir, &cause) == -1) {
		server_stop();
		fatalx("%s", cause);
	}
	secure_heap_init();
	if (store_file_check(acmd.conf->state_dir, &cause) != 0 ||
	    store_open(acmd.conf->state_dir,
	    (size_t)acmd.conf->store_size << 20, &acmd.store, &cause) != 0 ||
	    keycheck_open(config_master_key(acmd.conf), acmd.conf->state_dir,
	    &cause) != 0) {
		server_stop();
		fatalx("%s", cause);
	}
	aws_init(acmd.base, acmd.conf);
	jobs_init();
	if (metrics_http_start(&cause) != 0) {
		server_stop();
		fatalx("metrics: %s", cause);
	}
}

/* The loop has stopped: what runs ends, in order, before the store closes. */
static void
acmd_shutdown(void)
{
	sdx_stopping();
	deploy_shutdown();
	mismatch_shutdown();
	jobs_shutdown();
	target_reload_shutdown();
	metrics_http_stop();
	metrics_page_free();
	server_stop();
	inv_list_shutdown();
	creds_forget_all();
	aws_shutdown();
	lc_shutdown();
	metrics_free();
	jobs_free();
	sdx_watchdog_stop();
	loop_monitor(NULL);
}

int
main(int argc, char **argv)
{
	struct event	*ev_term, *ev_int, *ev_hup;
	char		*cause = NULL;
	const char	*path = CONF_DEFAULT_PATH;
	int		 ch, check = 0, debug = 0, explicit = 0;
	static const struct option longopts[] = {
		{ "check-store", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};

	log_init("acmd", LOG_TO_STDERR, 0);
	json_set_alloc_funcs(malloc, json_cleansing_free);
	while ((ch = getopt_long(argc, argv, "c:dhnV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'S':
			check = 2;
			break;
		case 'c':
			path = optarg;
			explicit = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'h':
			usage(0);
		case 'n':
			check = 1;
			break;
		case 'V':
			printf("acmd %s (protocol %d)\n", PACKAGE_VERSION,
			    PROTO_VERSION);
			return (0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);

	acmd.conf_path = path;
	acmd.conf_explicit = explicit;
	if ((acmd.conf = config_load(path, !explicit, &cause)) == NULL) {
		fprintf(stderr, "acmd: %s\n", cause);
		return (1);
	}
	if (debug)
		acmd.conf->debug = 1;
	if (check) {
		/* -n, or --check-store: read only, no socket, no lock. */
		ch = 0;
		if (check == 2)
			ch = store_check(acmd.conf->state_dir, stdout);
		else
			config_dump(acmd.conf, stdout);
		config_free(acmd.conf);
		return (ch);
	}
	log_init("acmd", pick_log_target(acmd.conf), acmd.conf->debug);
	log_set_journal(sdx_journal);
	process_limits();

	start();

	ev_term = evsignal_new(acmd.base, SIGTERM, signal_cb, NULL);
	ev_int = evsignal_new(acmd.base, SIGINT, signal_cb, NULL);
	ev_hup = evsignal_new(acmd.base, SIGHUP, signal_cb, NULL);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	evsignal_add(ev_hup, NULL);

	sdx_watchdog_start(acmd.base);
	loop_monitor(acmd.base);
	log_info("acmd %s started (pid %ld, state %s)", PACKAGE_VERSION,
	    (long)getpid(), acmd.conf->state_dir);
	sdx_ready();

	event_base_dispatch(acmd.base);

	acmd_shutdown();
	event_free(ev_term);
	event_free(ev_int);
	event_free(ev_hup);
	vault_free(acmd.vault);
	store_free(acmd.store);
	event_base_free(acmd.base);
	config_free(acmd.conf);
	log_info("stopped");
	return (0);
}
