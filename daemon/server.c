#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
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
#include "server.h"
#include "xmalloc.h"

/* A client must finish its hello and any frame it starts within this. */
#define SERVER_FRAME_TIMEOUT	30
/* A client that does not read its answers is dropped past this. */
#define SERVER_MAX_OUTPUT	(256U * 1024 * 1024)
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
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;
	enum auth		 auth;
	int			 hello;
	int			 closing;
	struct cmd_ctx		*pending;
	TAILQ_ENTRY(client)	 entry;
};

static TAILQ_HEAD(, client)	 clients = TAILQ_HEAD_INITIALIZER(clients);
static struct evconnlistener	*listener;
static char			*socket_path;	/* NULL when systemd's */
static time_t			 last_full_warning;

static void	client_free(struct client *);
static void	server_io_send(struct cmd_ctx *, struct mp_buf *, const void *,
		    size_t, void (*)(const void *, size_t, void *), void *);
static void	server_io_finish(struct cmd_ctx *);

static const struct cmd_io server_io = {
	.send = server_io_send,
	.finish = server_io_finish,
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
	if (evbuffer_get_length(out) > SERVER_MAX_OUTPUT) {
		log_warnx("server: client pid %ld does not read its answers; "
		    "dropping it", (long)c->pid);
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

/* Answer, then close once the answer is out. */
static void
client_close_after(struct client *c, uint64_t id, enum proto_error code,
    const char *msg)
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
	cmd_dispatch(ctx, cmd, args, c->auth == AUTH_ADMIN);
	free(cmd);
	return (0);
}

static void
client_update_timeout(struct client *c)
{
	struct timeval	 tv = { SERVER_FRAME_TIMEOUT, 0 };

	if (!c->hello ||
	    evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		bufferevent_set_timeouts(c->bev, &tv, NULL);
	else
		bufferevent_set_timeouts(c->bev, NULL, NULL);
}

static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	struct client		*c = arg;
	msgpack_unpacked	 msg;
	char			*cause = NULL;
	int			 ret;

	while (!c->closing) {
		ret = frame_evbuffer_read(bufferevent_get_input(bev), &msg,
		    &cause);
		if (ret == 0)
			break;
		if (ret == -1) {
			log_warnx("server: pid %ld uid %u: %s; dropping the "
			    "connection", (long)c->pid, (unsigned)c->uid, cause);
			free(cause);
			client_free(c);
			return;
		}
		if (!c->hello)
			client_hello(c, &msg.data);
		else if (client_request(c, &msg.data) != 0) {
			msgpack_unpacked_destroy(&msg);
			client_free(c);
			return;
		}
		msgpack_unpacked_destroy(&msg);
	}
	if (!c->closing)
		client_update_timeout(c);
}

static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	if (c->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		client_free(c);
}

static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;

	if (what & BEV_EVENT_TIMEOUT)
		log_warnx("server: pid %ld sent no complete message in %d s; "
		    "dropping it", (long)c->pid, SERVER_FRAME_TIMEOUT);
	else if (what & BEV_EVENT_ERROR)
		log_debug("server: pid %ld: connection error: %s", (long)c->pid,
		    strerror(EVUTIL_SOCKET_ERROR()));
	client_free(c);
}

static void
client_free(struct client *c)
{
	struct cmd_ctx	*ctx;

	for (ctx = c->pending; ctx != NULL; ctx = ctx->next)
		ctx->client = NULL;
	c->pending = NULL;
	TAILQ_REMOVE(&clients, c, entry);
	acmd.clients--;
	bufferevent_free(c->bev);
	free(c);
}

static void
server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct client	*c;
	time_t		 now;

	if (acmd.clients >= acmd.conf->max_clients) {
		now = time(NULL);
		if (now != last_full_warning)
			log_warnx("server: %zu clients connected; refusing more "
			    "(max_clients)", acmd.clients);
		last_full_warning = now;
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->auth = client_authorise(fd, c);
	c->bev = bufferevent_socket_new(acmd.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		log_warnx("server: cannot set up a connection");
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&clients, c, entry);
	acmd.clients++;
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
	/* Never buffer more than one maximum frame plus a header unread. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    PROTO_MAX_FRAME + PROTO_HDR_LEN);
	/*
	 * Write what the socket takes in one go: libevent's default of
	 * 16 KiB a turn of the loop sends a 2.5 MB answer in 160 turns.
	 */
	bufferevent_set_max_single_write(c->bev, SERVER_MAX_WRITE);
	client_update_timeout(c);
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

static int
server_bind(const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	struct config		*conf = acmd.conf;
	int			 fd, probe;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "socket path %s is too long", path);
		return (-1);
	}
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);

	/* A socket left by a dead daemon is removed; a live one is not. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
	    sizeof sun) == 0) {
		close(probe);
		xasprintf(cause, "another acmd is listening on %s", path);
		return (-1);
	}
	if (probe != -1)
		close(probe);
	if (unlink(path) == -1 && errno != ENOENT) {
		xasprintf(cause, "unlink %s: %s", path, strerror(errno));
		return (-1);
	}

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		xasprintf(cause, "bind %s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	if (chmod(path, conf->socket_mode) == -1 ||
	    (conf->socket_gid != (gid_t)-1 &&
	    chown(path, (uid_t)-1, conf->socket_gid) == -1)) {
		xasprintf(cause, "set mode or group of %s: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return (-1);
	}
	if (listen(fd, SOMAXCONN) == -1) {
		xasprintf(cause, "listen %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return (-1);
	}
	return (fd);
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
}

/* cmd_io: one frame to the context's client, if it is still there. */
static void
server_io_send(struct cmd_ctx *ctx, struct mp_buf *head, const void *tail,
    size_t len, void (*done)(const void *, size_t, void *), void *arg)
{
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
	}
	free(ctx->note);
	free(ctx);
}
