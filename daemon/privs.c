/*
 * What a worker may do, set in the child before it runs anything: the
 * resource limits of the config, then the user and group it runs as, then
 * no capability and no new privileges ever.  A worker that cannot have all
 * of it does not run: privs_drop logs why and fails, the child exits with
 * status 1, and the master replaces it with back-off as it does any worker
 * that dies young.  So a worker never runs as ipcd's own user when the
 * config names another, however ipcd was started.  In the master, advice
 * on the user the workers are given (privs_advise).
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcd.h"
#include "log.h"

/*
 * limit_cpu is the soft limit, which sends SIGXCPU (by default fatal); the
 * hard limit, this many seconds later, sends SIGKILL to a worker that
 * ignores SIGXCPU.
 */
#define PRIVS_CPU_GRACE	5

static int
privs_limit(int resource, const char *key, rlim_t soft, rlim_t hard)
{
	struct rlimit	 rl;

	rl.rlim_cur = soft;
	rl.rlim_max = hard;
	if (setrlimit(resource, &rl) == -1) {
		log_warn("worker: %s: cannot set the limit to %llu", key,
		    (unsigned long long)soft);
		return -1;
	}
	return 0;
}

/* limit_nofile, limit_as, limit_cpu; 0 leaves a limit as inherited. */
static int
privs_limits(const struct poolconf *c)
{
	if (c->limit_nofile == 0 && nofile_restore() == -1)
		log_warn("worker: cannot lower the descriptor limit to ipcd's "
		    "own at start");
	if (c->limit_nofile != 0 && privs_limit(RLIMIT_NOFILE, "limit_nofile",
	    c->limit_nofile, c->limit_nofile) == -1)
		return -1;
	if (c->limit_as != 0 && privs_limit(RLIMIT_AS, "limit_as",
	    c->limit_as, c->limit_as) == -1)
		return -1;
	if (c->limit_cpu != 0 && privs_limit(RLIMIT_CPU, "limit_cpu",
	    c->limit_cpu, (rlim_t)c->limit_cpu + PRIVS_CPU_GRACE) == -1)
		return -1;
	return 0;
}

/* Whether real, effective and saved ids are all uid (if set) and gid. */
static int
privs_are(int user, uid_t uid, gid_t gid)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return 0;
	if (user && (ru != uid || eu != uid || su != uid))
		return 0;
	return rg == gid && eg == gid && sg == gid;
}

/* After the switch: the ids stuck, gid is the only group, no way back. */
static int
privs_verify(int user, uid_t uid, gid_t gid)
{
	gid_t	 groups[2];

	if (!privs_are(user, uid, gid) || getgroups(2, groups) != 1 ||
	    groups[0] != gid) {
		log_warnx("worker: the switch to uid %lu gid %lu did not stick",
		    (unsigned long)uid, (unsigned long)gid);
		return -1;
	}
	if (user && uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		log_warnx("worker: uid %lu could become root again",
		    (unsigned long)uid);
		return -1;
	}
	return 0;
}

/*
 * worker_user and worker_group: only gid as group (no supplementary ones),
 * and uid, unless only worker_group is set.  A master that is not root
 * and already runs as them has nothing to do (nor the right to).
 */
static int
privs_switch(const struct poolconf *c)
{
	int	 user = c->worker_user_set;
	uid_t	 uid = user ? c->worker_user : geteuid();
	gid_t	 gid = c->worker_group_set ? c->worker_group :
		    user ? c->worker_user_gid : getegid();

	if (geteuid() != 0 && privs_are(user, uid, gid))
		return 0;
	if (setgroups(1, &gid) == -1) {
		log_warn("worker: cannot make gid %lu its only group",
		    (unsigned long)gid);
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		log_warn("worker: cannot switch to gid %lu", (unsigned long)gid);
		return -1;
	}
	if (user && setresuid(uid, uid, uid) == -1) {
		log_warn("worker: cannot switch to uid %lu", (unsigned long)uid);
		return -1;
	}
	return privs_verify(user, uid, gid);
}

/*
 * Drop the capabilities a worker still has: ipcd's own, if it stays root
 * (no worker_user); a switch away from root has left none.
 */
static int
privs_nocaps(void)
{
	struct __user_cap_header_struct	 h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	 d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) == -1) {
		log_warn("worker: capget");
		return -1;
	}
	if ((d[0].permitted | d[1].permitted | d[0].inheritable |
	    d[1].inheritable) == 0)
		return 0;
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) == -1) {
		log_warn("worker: cannot drop its capabilities");
		return -1;
	}
	return 0;
}

/* Limits, identity, no capability, no new privileges: 0, or -1 logged. */
int
privs_drop(const struct poolconf *c)
{
	if (privs_limits(c) == -1)
		return -1;
	if ((c->worker_user_set || c->worker_group_set) &&
	    privs_switch(c) == -1)
		return -1;
	if (privs_nocaps() == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("worker: PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	return 0;
}

/*
 * Another process, not one of ipcd's workers, that runs as uid: its pid,
 * or 0 if none is seen.
 */
static pid_t
uid_in_use(uid_t uid)
{
	char		 path[sizeof("/proc//status") + 256], line[128];
	struct dirent	*de;
	DIR		*d;
	FILE		*fp;
	unsigned long	 u, ppid = 0;
	pid_t		 found = 0;
	int		 mine;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while (found == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		if ((fp = fopen(path, "re")) == NULL)
			continue;
		mine = -1;
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (sscanf(line, "PPid: %lu", &ppid) == 1)
				continue;
			if (sscanf(line, "Uid: %lu", &u) == 1) {
				mine = u == uid;
				break;
			}
		}
		fclose(fp);
		if (mine == 1 && ppid != (unsigned long)getpid() &&
		    strtol(de->d_name, NULL, 10) != (long)getpid())
			found = (pid_t)strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	return found;
}

/*
 * Warn of a worker user that others share: nobody (the user of last resort
 * of many services), or any user that runs processes other than ipcd's
 * workers.  Whoever runs as that user can signal and trace the workers.
 */
static void
advise_user(const struct poolconf *pc)
{
	struct passwd	*pw;
	pid_t		 other;

	if (!pc->worker_user_set || pc->worker_user == 0)
		return;
	if (((pw = getpwnam("nobody")) != NULL &&
	    pw->pw_uid == pc->worker_user) || pc->worker_user == 65534) {
		log_warnx("pool %s: worker_user is nobody, whom other services "
		    "share: anything running as nobody can signal or trace the "
		    "workers; give them a user of their own (ipcd-worker, made "
		    "by systemd-sysusers)", pc->name);
		return;
	}
	if ((other = uid_in_use(pc->worker_user)) != 0)
		log_warnx("pool %s: worker_user (uid %u) also runs other "
		    "processes (pid %ld), which can signal or trace the "
		    "workers; give them a user of their own", pc->name,
		    (unsigned)pc->worker_user, (long)other);
}

/* At start and at each reload: is every pool's user the workers' own? */
void
privs_advise(const struct config *c)
{
	unsigned	 i;

	if (c->builtin)
		advise_user(&c->pool);
	for (i = 0; i < c->npools; i++)
		advise_user(&c->pools[i]);
}
