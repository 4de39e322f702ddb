/*
 * The control socket acmd makes itself (when systemd passes none): a
 * socket left by a dead daemon is replaced, a live one's is not.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "acmd.h"
#include "conf.h"
#include "server.h"
#include "xmalloc.h"

int
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
