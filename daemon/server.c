#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <msgpack.h>

#include "acmd.h"
#include "cmd.h"
#include "conf.h"
#include "frame.h"
#include "log.h"
#include "mp.h"
#include "proto.h"
#include "sd.h"
#include "util.h"
#include "server.h"
#include "xmalloc.h"

/*
 * Limits that keep one peer from taking acmd's memory or time (DESIGN.md:
 * "nothing a peer sends can make acmd hold memory or time without bound";
 * acmd(8), THE CONTROL SOCKET).  Before its hello a peer may send one
 * small frame and has SERVER_HELLO_TIMEOUT in all; a frame once begun must
 * be whole within SERVER_FRAME_TIMEOUT, however slowly it trickles in.
 */
#define SERVER_HELLO_TIMEOUT	10
#define SERVER_HELLO_MAX	4096
#define SERVER_FRAME_TIMEOUT	30
/* The largest request: three PEM arguments at their bound, and room. */
#define SERVER_MAX_REQUEST	(4U * 1024 * 1024)
/*
 * Back-pressure: a client's requests are not read while this much of its
 * answers waits to be read, or while this many of its commands run.
 */
#define SERVER_OUTPUT_HIGH	(1024 * 1024)
#define SERVER_MAX_PENDING	64
/* A client over this is dropped (one answer can be this big). */
#define SERVER_MAX_OUTPUT	(64U * 1024 * 1024)
/* Over this, all clients together, answers to non-admin peers are dropped. */
#define SERVER_MAX_OUTPUT_ALL	(256U * 1024 * 1024)
#define SERVER_MAX_GROUPS	256
/* The most written to one client in one turn of the event loop. */
#define SERVER_MAX_WRITE	(1024 * 1024)

enum auth {
	AUTH_NONE,
	AUTH_READONLY,
	AUTH_ADMIN,
};

struct client {
	struct bufferevent	*bev;
	struct event		*timer;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	enum auth		 auth;
	int			 hello;
	int			 closing;
	int			 paused;	/* not reading: back-pressure */
	size_t			 npending;
	uint64_t		 connected;	/* monotonic ms */
	uint64_t		 frame_start;	/* 0: no partial frame */
	uint64_t		 last_active;
	struct cmd_ctx		*pending;
	TAILQ_ENTRY(client)	 entry;
};

static TAILQ_HEAD(, client)	 clients = TAILQ_HEAD_INITIALIZER(clients);
static struct evconnlistener	*listener;
static char			*socket_path;	/* NULL when systemd's */
static time_t			 last_full_warning;
static size_t			 output_all;	/* queued to every client */
static struct event		*trim_timer;

static void	client_free(struct client *);
static void	server_io_send(struct cmd_ctx *, struct mp_buf *, const void *,
		    size_t, void (*)(const void *, size_t, void *), void *);
static void	server_io_finish(struct cmd_ctx *);
static size_t	server_io_queued(const struct cmd_ctx *);

static const struct cmd_io server_io = {
	.send = server_io_send,
	.finish = server_io_finish,
	.queued = server_io_queued,
};

static const char *
auth_name(enum auth a)
{
	switch (a) {
	case AUTH_ADMIN:
		return (PROTO_ACCESS_ADMIN);
	case AUTH_READONLY:
		return (PROTO_ACCESS_READONLY);
	default:
		return ("none");
	}
}

static int
in_groups(gid_t want, gid_t primary, const gid_t *groups, int ngroups)
{
	int	 i;

	if (want == (gid_t)-1)
		return (0);
	if (primary == want)
		return (1);
	for (i = 0; i < ngroups; i++) {
		if (groups[i] == want)
			return (1);
	}
	return (0);
}

static enum auth
client_authorise(int fd, struct client *c)
{
	struct ucred	 cred;
	socklen_t	 len = sizeof cred;
	gid_t		 groups[SERVER_MAX_GROUPS];
	socklen_t	 glen = sizeof groups;
	int		 ngroups = 0;
	struct config	*conf = acmd.conf;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		log_warn("server: SO_PEERCRED");
		return (AUTH_NONE);
	}
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->pid = cred.pid;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		ngroups = (int)(glen / sizeof groups[0]);
	if (cred.uid == 0 || cred.uid == geteuid())
		return (AUTH_ADMIN);
	if (in_groups(conf->admin_gid, cred.gid, groups, ngroups))
		return (AUTH_ADMIN);
	if (in_groups(conf->readonly_gid, cred.gid, groups, ngroups))
		return (AUTH_READONLY);
	return (AUTH_NONE);
}

static void	client_send_tail(struct client *, struct mp_buf *, const void *,
		    size_t);

static void
client_send(struct client *c, struct mp_buf *b)
{
	client_send_tail(c, b, NULL, 0);
}

/* The client's output buffer, or NULL when nothing more goes to it. */
static struct evbuffer *
client_output(struct client *c)
{
	struct evbuffer	*out;

	if (c->closing)
		return (NULL);
	out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) > SERVER_MAX_OUTPUT ||
	    (output_all > SERVER_MAX_OUTPUT_ALL && c->auth != AUTH_ADMIN)) {
		log_warnx("server: client pid %ld uid %u does not read its "
		    "answers (%zu bytes waiting, %zu for all clients); "
		    "dropping it", (long)c->pid, (unsigned)c->uid,
		    evbuffer_get_length(out), output_all);
		c->closing = 1;
		bufferevent_disable(c->bev, EV_READ);
		evbuffer_drain(out, evbuffer_get_length(out));
		bufferevent_trigger(c->bev, EV_WRITE, BEV_TRIG_IGNORE_WATERMARKS);
		return (NULL);
	}
	return (out);
}

static void
client_send_tail(struct client *c, struct mp_buf *b, const void *tail,
    size_t len)
{
	struct evbuffer	*out;
	char		*cause = NULL;

	if ((out = client_output(c)) == NULL)
		return;
	if (frame_evbuffer_write2(out, b->sb.data, b->sb.size, tail, len,
	    &cause) != 0) {
		log_warnx("server: answer to pid %ld: %s", (long)c->pid, cause);
		free(cause);
	}
}

static void
client_send_ref(struct client *c, struct mp_buf *b, const void *tail,
    size_t len, frame_done_cb done, void *arg)
{
	struct evbuffer	*out;
	char		*cause = NULL;

	if ((out = client_output(c)) == NULL) {
		done(tail, len, arg);
		return;
	}
	if (frame_evbuffer_write_ref(out, b->sb.data, b->sb.size, tail, len,
	    done, arg, &cause) != 0) {
		log_warnx("server: answer to pid %ld: %s", (long)c->pid, cause);
		free(cause);
	}
}

/* A failed result: what a refused or closing peer is told. */
static struct mp_buf *
refusal_new(uint64_t id, enum proto_error code, const char *msg)
{
	struct mp_buf	*b;

	b = mp_buf_new();
	mp_map(b, 5);
	mp_kstr(b, PROTO_F_KIND, PROTO_KIND_RESULT);
	mp_kuint(b, PROTO_F_ID, id);
	mp_kbool(b, PROTO_F_OK, 0);
	mp_str(b, PROTO_F_ERROR);
	mp_map(b, 2);
	mp_kstr(b, PROTO_F_CODE, proto_error_string(code));
	mp_kstr(b, PROTO_F_MESSAGE, msg);
	mp_kuint(b, PROTO_F_VERSION, PROTO_VERSION);
	return (b);
}

/* Answer, then close once the answer is out. */
static void
client_close_after(struct client *c, uint64_t id, enum proto_error code,
    const char *msg)
{
	struct mp_buf	*b;

	b = refusal_new(id, code, msg);
	client_send(c, b);
	mp_buf_free(b);
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
}

static void
client_hello(struct client *c, const msgpack_object *m)
{
	struct mp_buf	*b;
	uint64_t	 version = 0;
	char		*cause = NULL, *msg;

	if (!mp_obj_is_str(mp_map_get(m, PROTO_F_KIND), PROTO_KIND_HELLO) ||
	    mp_get_uint(m, PROTO_F_VERSION, &version, &cause) != 1) {
		free(cause);
		client_close_after(c, 0, PROTO_EPROTO,
		    "the first message must be hello with a version");
		return;
	}
	if (c->auth == AUTH_NONE) {
		xasprintf(&msg, "uid %u may not use acmd: it is not root and not "
		    "in the admin or read-only group", (unsigned)c->uid);
		log_warnx("server: refused pid %ld uid %u", (long)c->pid,
		    (unsigned)c->uid);
		client_close_after(c, 0, PROTO_EDENIED, msg);
		free(msg);
		return;
	}
	if (version != PROTO_VERSION) {
		xasprintf(&msg, "client speaks protocol %llu, acmd speaks %d",
		    (unsigned long long)version, PROTO_VERSION);
		client_close_after(c, 0, PROTO_EVERSION, msg);
		free(msg);
		return;
	}
	c->hello = 1;
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    SERVER_MAX_REQUEST + PROTO_HDR_LEN);
	b = mp_buf_new();
	mp_map(b, 4);
	mp_kstr(b, PROTO_F_KIND, PROTO_KIND_HELLO);
	mp_kuint(b, PROTO_F_VERSION, PROTO_VERSION);
	mp_kstr(b, PROTO_F_DAEMON, PACKAGE_NAME " " PACKAGE_VERSION);
	mp_kstr(b, PROTO_F_ACCESS, auth_name(c->auth));
	client_send(c, b);
	mp_buf_free(b);
}

/* Returns -1 when the message is malformed and the client must go. */
static int
client_request(struct client *c, const msgpack_object *m)
{
	const msgpack_object	*args;
	struct cmd_ctx		*ctx;
	uint64_t		 id;
	char			*cmd = NULL, *cause = NULL;
	static const msgpack_object empty = { .type = MSGPACK_OBJECT_MAP };

	if (!mp_obj_is_str(mp_map_get(m, PROTO_F_KIND), PROTO_KIND_REQUEST)) {
		log_warnx("server: pid %ld sent a message that is not a request",
		    (long)c->pid);
		return (-1);
	}
	acmd.last_client_ms = now_ms();
	if (mp_get_uint(m, PROTO_F_ID, &id, &cause) != 1 ||
	    mp_get_str(m, PROTO_F_CMD, &cmd, &cause) != 1) {
		log_warnx("server: pid %ld sent a request without id or cmd%s%s",
		    (long)c->pid, cause ? ": " : "", cause ? cause : "");
		free(cause);
		free(cmd);
		return (-1);
	}
	args = mp_map_get(m, PROTO_F_ARGS);
	if (args == NULL || args->type == MSGPACK_OBJECT_NIL)
		args = &empty;
	if (args->type != MSGPACK_OBJECT_MAP) {
		log_warnx("server: pid %ld sent args that are not a map",
		    (long)c->pid);
		free(cmd);
		return (-1);
	}

	ctx = xcalloc(1, sizeof *ctx);
	ctx->client = c;
	ctx->io = &server_io;
	ctx->id = id;
	ctx->uid = c->uid;
	ctx->pid = c->pid;
	ctx->next = c->pending;
	c->pending = ctx;
	c->npending++;
	cmd_dispatch(ctx, cmd, args, c->auth == AUTH_ADMIN);
	free(cmd);
	return (0);
}

/*
 * When the client is next due to be dropped (monotonic ms), and why; 0
 * when it may wait for ever (a command of its runs, or no idle limit).
 */
/* Pending answers that stream (CMD_STREAM); *others: those that do not. */
static size_t
client_streams(const struct client *c, size_t *others)
{
	const struct cmd_ctx	*ctx;
	size_t			 n = 0;

	*others = 0;
	for (ctx = c->pending; ctx != NULL; ctx = ctx->next) {
		if (ctx->entry != NULL && (ctx->entry->flags & CMD_STREAM))
			n++;
		else
			(*others)++;
	}
	return (n);
}

static uint64_t
client_due(const struct client *c, const char **why)
{
	uint64_t	 idle = acmd.conf->client_idle_timeout;
	size_t		 others;

	if (!c->hello) {
		*why = "did not complete its hello in time";
		return (c->connected + SERVER_HELLO_TIMEOUT * 1000);
	}
	if (c->frame_start != 0 && !c->paused) {
		*why = "did not complete a frame in time";
		return (c->frame_start + SERVER_FRAME_TIMEOUT * 1000);
	}
	/* A stream waits for the client to read: it is idle meanwhile. */
	if ((c->npending > 0 && (client_streams(c, &others), others > 0)) ||
	    idle == 0)
		return (0);
	*why = "was idle too long (client_idle_timeout)";
	return (c->last_active + idle * 1000);
}

static void
client_arm_timer(struct client *c)
{
	struct timeval	 tv;
	const char	*why;
	uint64_t	 due, now;

	if (c->closing || (due = client_due(c, &why)) == 0) {
		evtimer_del(c->timer);
		return;
	}
	now = now_ms();
	tv = ms_to_tv(due > now ? due - now : 0);
	evtimer_add(c->timer, &tv);
}

static void
client_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;
	const char	*why;
	uint64_t	 due;

	if (c->closing)
		return;
	if ((due = client_due(c, &why)) == 0 || due > now_ms()) {
		client_arm_timer(c);
		return;
	}
	if (c->hello)
		log_info("server: pid %ld uid %u %s; closing the connection",
		    (long)c->pid, (unsigned)c->uid, why);
	else
		log_warnx("server: pid %ld uid %u %s; dropping it",
		    (long)c->pid, (unsigned)c->uid, why);
	client_free(c);
}

/* Whether the client's requests must wait for its answers to be read. */
static int
client_must_wait(const struct client *c)
{
	size_t	 out = evbuffer_get_length(bufferevent_get_output(c->bev));
	size_t	 others;

	return (out > SERVER_OUTPUT_HIGH || client_streams(c, &others) > 0 ||
	    c->npending >= SERVER_MAX_PENDING ||
	    (out > 0 && output_all > SERVER_MAX_OUTPUT_ALL / 2));
}

/* Read the client's requests again once its answers are read. */
static void
client_resume(struct client *c)
{
	if (!c->paused || c->closing || client_must_wait(c))
		return;
	c->paused = 0;
	c->frame_start = now_ms();
	bufferevent_enable(c->bev, EV_READ);
	bufferevent_trigger(c->bev, EV_READ,
	    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
}

/* Returns -1 when the client was freed. */
static int
client_read_frames(struct client *c, int *consumed)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	msgpack_unpacked	 msg;
	char			*cause = NULL;
	int			 ret;

	while (!c->closing && !client_must_wait(c)) {
		ret = frame_evbuffer_read_max(in, c->hello ?
		    SERVER_MAX_REQUEST : SERVER_HELLO_MAX, &msg, &cause);
		if (ret == 0)
			break;
		if (ret == -1) {
			log_warnx("server: pid %ld uid %u: %s%s; dropping the "
			    "connection", (long)c->pid, (unsigned)c->uid, cause,
			    c->hello ? "" : " before hello");
			free(cause);
			client_free(c);
			return (-1);
		}
		*consumed = 1;
		if (!c->hello)
			client_hello(c, &msg.data);
		else if (client_request(c, &msg.data) != 0) {
			msgpack_unpacked_destroy(&msg);
			client_free(c);
			return (-1);
		}
		msgpack_unpacked_destroy(&msg);
	}
	return (0);
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;
	int		 consumed = 0;

	if (c->paused)
		return;
	c->last_active = now_ms();
	if (client_read_frames(c, &consumed) != 0 || c->closing)
		return;
	if (client_must_wait(c)) {
		c->paused = 1;
		bufferevent_disable(bev, EV_READ);
	}
	if (evbuffer_get_length(bufferevent_get_input(bev)) == 0)
		c->frame_start = 0;
	else if (consumed || c->frame_start == 0)
		c->frame_start = c->last_active;
	client_arm_timer(c);
}

static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			client_free(c);
		return;
	}
	c->last_active = now_ms();
	client_resume(c);
	client_arm_timer(c);
}

static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;

	if (what & BEV_EVENT_ERROR)
		log_debug("server: pid %ld: connection error: %s", (long)c->pid,
		    strerror(EVUTIL_SOCKET_ERROR()));
	client_free(c);
}

/* Queued output, all clients together, kept as it changes. */
static void
client_output_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	output_all += info->n_added;
	output_all -= info->n_deleted;
}

/* Give the memory of big answers back to the system once clients go. */
static void
server_trim_cb(evutil_socket_t fd, short what, void *arg)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static void
client_free(struct client *c)
{
	struct cmd_ctx	*ctx;
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	size_t		 held;
	struct timeval	 tv = { 1, 0 };

	for (ctx = c->pending; ctx != NULL; ctx = ctx->next)
		ctx->client = NULL;
	c->pending = NULL;
	TAILQ_REMOVE(&clients, c, entry);
	acmd.clients--;
	held = evbuffer_get_length(out) +
	    evbuffer_get_length(bufferevent_get_input(c->bev));
	output_all -= evbuffer_get_length(out);
	evbuffer_remove_cb(out, client_output_cb, c);
	evtimer_del(c->timer);
	event_free(c->timer);
	bufferevent_free(c->bev);
	free(c);
	if (held >= SERVER_OUTPUT_HIGH && trim_timer != NULL &&
	    !evtimer_pending(trim_timer, NULL))
		evtimer_add(trim_timer, &tv);
}

/* Connections of one uid, to share the slots fairly. */
static size_t
clients_of(uid_t uid)
{
	struct client	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &clients, entry) {
		if (c->uid == uid)
			n++;
	}
	return (n);
}

/*
 * Whether a new connection may stay: the last eighth of max_clients is
 * kept for root and the admin group, and other users have at most
 * max_clients_per_uid each.  NULL when it may, or why not.
 */
static const char *
server_admit(const struct client *c)
{
	struct config	*conf = acmd.conf;
	uint64_t	 keep = conf->max_clients / 8;

	if (keep == 0 && conf->max_clients > 1)
		keep = 1;
	if (acmd.clients >= conf->max_clients)
		return ("max_clients");
	if (c->auth == AUTH_ADMIN)
		return (NULL);
	if (acmd.clients >= conf->max_clients - keep)
		return ("max_clients, the rest kept for root and the admin "
		    "group");
	if (clients_of(c->uid) >= conf->max_clients_per_uid)
		return ("max_clients_per_uid");
	return (NULL);
}

/* Tell a peer it is not served, as far as the socket takes it, and close. */
static void
server_refuse(int fd, const struct client *c, const char *why)
{
	struct mp_buf	*b;
	char		*msg, *cause = NULL;
	struct evbuffer	*eb;
	time_t		 now = time(NULL);

	if (now != last_full_warning)
		log_warnx("server: %zu clients connected; refusing pid %ld "
		    "uid %u (%s)", acmd.clients, (long)c->pid,
		    (unsigned)c->uid, why);
	last_full_warning = now;
	xasprintf(&msg, "too many connections: acmd is at its limit (%s)",
	    why);
	b = refusal_new(0, PROTO_EBUSY, msg);
	eb = evbuffer_new();
	if (eb != NULL && frame_evbuffer_write(eb, b->sb.data, b->sb.size,
	    &cause) == 0)
		(void)evbuffer_write(eb, fd);
	free(cause);
	if (eb != NULL)
		evbuffer_free(eb);
	mp_buf_free(b);
	free(msg);
	close(fd);
}

static void
server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct client	*c;
	const char	*why;

	c = xcalloc(1, sizeof *c);
	c->auth = client_authorise(fd, c);
	if ((why = server_admit(c)) != NULL) {
		server_refuse(fd, c, why);
		free(c);
		return;
	}
	c->bev = bufferevent_socket_new(acmd.base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(acmd.base, client_timer_cb, c);
	if (c->bev == NULL || c->timer == NULL) {
		log_warnx("server: cannot set up a connection");
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->timer != NULL)
			event_free(c->timer);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&clients, c, entry);
	acmd.clients++;
	c->connected = now_ms();
	c->last_active = c->connected;
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
	evbuffer_add_cb(bufferevent_get_output(c->bev), client_output_cb, c);
	/* Before hello, one small frame; after it, one request. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    SERVER_HELLO_MAX + PROTO_HDR_LEN);
	/* Told when the answers waiting drop low enough to read again. */
	bufferevent_setwatermark(c->bev, EV_WRITE, SERVER_OUTPUT_HIGH / 4, 0);
	/*
	 * Write what the socket takes in one go: libevent's default of
	 * 16 KiB a turn of the loop sends a 2.5 MB answer in 160 turns.
	 */
	bufferevent_set_max_single_write(c->bev, SERVER_MAX_WRITE);
	client_arm_timer(c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	log_debug("server: pid %ld uid %u connected (%s)", (long)c->pid,
	    (unsigned)c->uid, auth_name(c->auth));
}

static void
server_error_cb(struct evconnlistener *l, void *arg)
{
	int	 err = EVUTIL_SOCKET_ERROR();

	/* EMFILE and friends: keep serving the clients we have. */
	log_warnx("server: accept: %s", evutil_socket_error_to_string(err));
}

int
server_start(char **cause)
{
	int	 fd;

	fd = sdx_listen_fd(cause);
	if (fd == -2)
		return (-1);
	if (fd >= 0) {
		evutil_make_socket_nonblocking(fd);
		log_info("server: using the socket passed by systemd");
	} else {
		free(*cause);
		*cause = NULL;
		if ((fd = server_bind(acmd.conf->socket, cause)) == -1)
			return (-1);
		socket_path = xstrdup(acmd.conf->socket);
		log_info("server: listening on %s", socket_path);
	}
	listener = evconnlistener_new(acmd.base, server_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (listener == NULL) {
		xasprintf(cause, "cannot listen on the control socket");
		close(fd);
		return (-1);
	}
	evconnlistener_set_error_cb(listener, server_error_cb);
	trim_timer = evtimer_new(acmd.base, server_trim_cb, NULL);
	return (0);
}

/*
 * A reload: the socket acmd made itself takes the configured mode and
 * group at once; systemd's keeps what its unit (SocketMode=, SocketGroup=)
 * says.
 */
void
server_reconfigure(const struct config *old)
{
	struct config	*conf = acmd.conf;
	struct stat	 st;

	if (socket_path == NULL) {
		if (listener != NULL &&
		    (old->socket_mode != conf->socket_mode ||
		    old->socket_gid != conf->socket_gid))
			log_warnx("server: the socket is systemd's: its mode "
			    "and group are set in acmd.socket, not by "
			    "socket_mode and socket_group");
		return;
	}
	if (lstat(socket_path, &st) == -1 || !S_ISSOCK(st.st_mode)) {
		log_warnx("server: %s is no longer our socket; socket_mode and "
		    "socket_group apply at the next start", socket_path);
		return;
	}
	if ((st.st_mode & 07777) != conf->socket_mode) {
		if (chmod(socket_path, conf->socket_mode) == -1)
			log_warn("server: chmod %s", socket_path);
		else
			log_info("server: %s: mode %04o", socket_path,
			    (unsigned)conf->socket_mode);
	}
	if (conf->socket_gid != (gid_t)-1 && st.st_gid != conf->socket_gid) {
		if (lchown(socket_path, (uid_t)-1, conf->socket_gid) == -1)
			log_warn("server: chown %s", socket_path);
		else
			log_info("server: %s: group %u", socket_path,
			    (unsigned)conf->socket_gid);
	}
}

void
server_stop(void)
{
	struct client	*c;

	if (listener != NULL) {
		evconnlistener_free(listener);
		listener = NULL;
	}
	if (socket_path != NULL) {
		unlink(socket_path);
		free(socket_path);
		socket_path = NULL;
	}
	while ((c = TAILQ_FIRST(&clients)) != NULL)
		client_free(c);
	if (trim_timer != NULL) {
		event_free(trim_timer);
		trim_timer = NULL;
	}
}

/* cmd_io: one frame to the context's client, if it is still there. */
static void
server_io_send(struct cmd_ctx *ctx, struct mp_buf *head, const void *tail,
    size_t len, void (*done)(const void *, size_t, void *), void *arg)
{
	struct mp_buf	*b;
	char		*msg;

	/* An answer no frame can hold: the client is told, not left waiting. */
	if (head->sb.size + len > PROTO_MAX_FRAME) {
		xasprintf(&msg, "the answer (%zu bytes) is over the %u-byte "
		    "frame maximum", head->sb.size + len, PROTO_MAX_FRAME);
		log_warnx("server: answer to pid %ld: %s", ctx->client != NULL ?
		    (long)ctx->client->pid : -1L, msg);
		if (done != NULL)
			done(tail, len, arg);
		if (ctx->client != NULL) {
			b = refusal_new(ctx->id, PROTO_EINTERNAL, msg);
			client_send(ctx->client, b);
			mp_buf_free(b);
		}
		free(msg);
		return;
	}
	if (done != NULL) {
		if (ctx->client != NULL)
			client_send_ref(ctx->client, head, tail, len, done, arg);
		else
			done(tail, len, arg);
		return;
	}
	if (ctx->client != NULL)
		client_send_tail(ctx->client, head, tail, len);
}

/* cmd_io: what waits to go to the context's client (0 once it has gone). */
static size_t
server_io_queued(const struct cmd_ctx *ctx)
{
	if (ctx->client == NULL)
		return (0);
	return (evbuffer_get_length(bufferevent_get_output(ctx->client->bev)));
}

/* cmd_io: the context is answered. */
static void
server_io_finish(struct cmd_ctx *ctx)
{
	struct cmd_ctx	**pp;

	if (ctx->client != NULL) {
		for (pp = &ctx->client->pending; *pp != NULL;
		    pp = &(*pp)->next) {
			if (*pp == ctx) {
				*pp = ctx->next;
				break;
			}
		}
		ctx->client->npending--;
		ctx->client->last_active = now_ms();
		acmd.last_client_ms = ctx->client->last_active;
		client_resume(ctx->client);
		client_arm_timer(ctx->client);
	}
	free(ctx->note);
	free(ctx);
}
