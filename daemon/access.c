/*
 * Who may use the control socket.  A connection's peer credentials (uid,
 * gid and supplementary groups, from the kernel) are checked when it is
 * accepted: root, ipcd's own user, the users of allow_users and the members
 * of allow_groups or of the socket's group may connect.  Changing the pool
 * (RELOAD, SCALE) further needs root, ipcd's own user or admin_group.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ipcd.h"
#include "log.h"

/* The credentials of the process at the other end of fd. */
int
access_peer(int fd, struct peercred *pc)
{
	struct ucred	 uc;
	socklen_t	 len = sizeof(uc);

	memset(pc, 0, sizeof(*pc));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return -1;
	pc->pid = uc.pid;
	pc->uid = uc.uid;
	pc->gid = uc.gid;
	len = sizeof(pc->groups);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, pc->groups, &len) == 0)
		pc->ngroups = len / sizeof(pc->groups[0]);
	else if (errno != ERANGE && errno != ENOPROTOOPT)
		return -1;
	return 0;
}

static int
in_group(const struct peercred *pc, uint32_t gid)
{
	int	 i;

	if (pc->gid == gid)
		return 1;
	for (i = 0; i < pc->ngroups; i++)
		if (pc->groups[i] == gid)
			return 1;
	return 0;
}

static int
listed(const struct idlist *l, uint32_t id)
{
	unsigned	 i;

	for (i = 0; i < l->n; i++)
		if (l->id[i] == id)
			return 1;
	return 0;
}

static int
is_owner(const struct peercred *pc)
{
	return pc->uid == 0 || pc->uid == geteuid();
}

/* May this peer connect at all? */
int
access_allowed(const struct ipcd *ix, const struct peercred *pc)
{
	unsigned	 i;

	if (is_owner(pc) || listed(&ix->conf.allow_users, pc->uid))
		return 1;
	if (ix->socket_gid_known && in_group(pc, ix->socket_gid))
		return 1;
	for (i = 0; i < ix->conf.allow_groups.n; i++)
		if (in_group(pc, ix->conf.allow_groups.id[i]))
			return 1;
	return 0;
}

/* May this peer change the pool? */
int
access_admin(const struct ipcd *ix, const struct peercred *pc)
{
	return is_owner(pc) ||
	    (ix->conf.admin_group_set && in_group(pc, ix->conf.admin_group));
}

/* Remember the group of the socket file: its members may connect. */
void
access_socket_group(struct ipcd *ix)
{
	struct stat	 sb;

	ix->socket_gid_known = stat(ix->conf.socket, &sb) == 0;
	if (ix->socket_gid_known)
		ix->socket_gid = sb.st_gid;
}
