/*
 * tests/unit/common/trust_test.c — walking paths through trusted
 * directories (trust.h) and the run dir built on it (rundir.h): links in
 * trusted places are followed, links and directories another user could
 * have made are not; supd's lock names a pid only when the kernel and
 * the file agree on it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/proc.h"
#include "common/rundir.h"
#include "common/trust.h"

static char dir[64];
static char why[1024];

static void
setup(void)
{
	strcpy(dir, "/tmp/sup-trust-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(common_trust, .init = setup, .fini = teardown, .timeout = 30);

static const char *
at(const char *name)
{
	static char buf[4][256];
	static int k;
	char *b = buf[k++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	return b;
}

static void
need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root");
}

Test(common_trust, a_directory_below_trusted_ones_opens)
{
	int fd;

	cr_assert(mkdir(at("a"), 0755) == 0);
	cr_assert_eq(trust_dir_open(at("a"), false, 0, TRUST_MINE, &fd, why,
	    sizeof(why)), SUP_OK, "%s", why);
	close(fd);
}

Test(common_trust, missing_directories_are_made_with_the_mode_asked)
{
	struct stat st;
	int fd;

	cr_assert_eq(trust_dir_open(at("x/y/z"), true, 0700, TRUST_MINE, &fd,
	    why, sizeof(why)), SUP_OK, "%s", why);
	close(fd);
	cr_assert(stat(at("x/y/z"), &st) == 0 && (st.st_mode & 0777) == 0700);
	cr_assert(stat(at("x/y"), &st) == 0 && (st.st_mode & 0777) == 0755);
}

Test(common_trust, a_link_in_a_trusted_directory_is_followed)
{
	int fd;

	cr_assert(mkdir(at("real"), 0755) == 0 && mkdir(at("real/run"), 0700) ==
	    0);
	cr_assert(symlink("real", at("link")) == 0);
	cr_assert_eq(trust_dir_open(at("link/run"), false, 0, TRUST_MINE, &fd,
	    why, sizeof(why)), SUP_OK, "%s", why);
	close(fd);
	/* An absolute target too, as /var/run -> /run. */
	cr_assert(symlink(at("real"), at("abs")) == 0);
	cr_assert_eq(trust_dir_open(at("abs/run"), false, 0, TRUST_MINE, &fd,
	    why, sizeof(why)), SUP_OK, "%s", why);
	close(fd);
}

Test(common_trust, a_link_loop_ends_with_an_error)
{
	int fd;

	cr_assert(symlink("l2", at("l1")) == 0 && symlink("l1", at("l2")) == 0);
	cr_assert_eq(trust_dir_open(at("l1/x"), false, 0, TRUST_MINE, &fd, why,
	    sizeof(why)), SUP_ESYS | ELOOP, "%s", why);
}

Test(common_trust, a_directory_others_may_write_is_not_passed_through)
{
	int fd;

	need_root();
	cr_assert(mkdir(at("open"), 0777) == 0 && chmod(at("open"), 0777) == 0);
	cr_assert(mkdir(at("open/run"), 0700) == 0);
	cr_assert_eq(trust_dir_open(at("open/run"), false, 0, TRUST_MINE, &fd,
	    why, sizeof(why)), SUP_EREFUSED);
	cr_assert(strstr(why, "writable by others") != NULL, "%s", why);
	/* Sticky and root's, like /tmp: fine. */
	cr_assert(chmod(at("open"), 01777) == 0);
	cr_assert_eq(trust_dir_open(at("open/run"), false, 0, TRUST_MINE, &fd,
	    why, sizeof(why)), SUP_OK, "%s", why);
	close(fd);
}

Test(common_trust, a_directory_of_another_user_is_not_passed_through)
{
	int fd;

	need_root();
	cr_assert(mkdir(at("theirs"), 0755) == 0 &&
	    chown(at("theirs"), 65534, 65534) == 0);
	cr_assert(mkdir(at("theirs/run"), 0700) == 0);
	cr_assert_eq(trust_dir_open(at("theirs/run"), false, 0, TRUST_MINE,
	    &fd, why, sizeof(why)), SUP_EREFUSED);
	cr_assert(strstr(why, "owned by uid 65534") != NULL, "%s", why);
}

Test(common_trust, a_link_planted_where_a_file_should_be_is_not_followed)
{
	int fd;

	cr_assert(close(open(at("target"), O_CREAT | O_WRONLY, 0600)) == 0);
	cr_assert(symlink(at("target"), at("state.db")) == 0);
	cr_assert_eq(trust_file_open(at("state.db"), O_RDWR | O_CREAT, 0600,
	    TRUST_MINE, &fd, why, sizeof(why)), SUP_EREFUSED);
	cr_assert(strstr(why, "symbolic link") != NULL, "%s", why);
}

Test(common_trust, a_file_others_may_write_is_refused)
{
	int fd = open(at("f"), O_CREAT | O_WRONLY, 0600);

	cr_assert(fd >= 0 && fchmod(fd, 0620) == 0);
	close(fd);
	cr_assert_eq(trust_file_open(at("f"), O_RDONLY, 0, TRUST_MINE, &fd, why,
	    sizeof(why)), SUP_EREFUSED);
	cr_assert(strstr(why, "writable by its group") != NULL, "%s", why);
}

Test(common_trust, a_relative_path_is_refused)
{
	int fd;

	cr_assert_eq(trust_dir_open("run", false, 0, TRUST_MINE, &fd, why,
	    sizeof(why)), SUP_EREFUSED);
}

/* --- rundir ---------------------------------------------------------- */

Test(common_trust, names_that_leave_their_directory_are_refused)
{
	char buf[256];

	cr_assert(rundir_name(RUN_LOG, "kv.0", buf, sizeof(buf)));
	cr_assert_str_eq(buf, "kv.0.log");
	cr_assert(!rundir_name(RUN_LOG, "../x", buf, sizeof(buf)));
	cr_assert(!rundir_name(RUN_LOG, "a/b", buf, sizeof(buf)));
	cr_assert(!rundir_name(RUN_WDB, ".hidden", buf, sizeof(buf)));
	cr_assert(!rundir_name(RUN_LOG, "", buf, sizeof(buf)));
	cr_assert(rundir_path("/run/sup", RUN_WSOCK_OWN, "kv", buf,
	    sizeof(buf)));
	cr_assert_str_eq(buf, "/run/sup/w/kv.d/kv");
}

Test(common_trust, supd_makes_its_run_dir_and_tightens_its_own)
{
	struct rundir r;
	struct stat st;

	cr_assert(mkdir(at("run"), 0755) == 0);
	cr_assert_eq(rundir_create(&r, at("run"), false, why, sizeof(why)),
	    SUP_OK, "%s", why);
	cr_assert(stat(at("run"), &st) == 0 && (st.st_mode & 0777) == 0700);
	cr_assert(stat(at("run/state"), &st) == 0 && S_ISDIR(st.st_mode));
	rundir_close(&r);
	cr_assert_eq(rundir_create(&r, at("run"), true, why, sizeof(why)),
	    SUP_OK, "%s", why);
	cr_assert(stat(at("run"), &st) == 0 && (st.st_mode & 0777) == 0711);
	cr_assert(stat(at("run/log"), &st) == 0 && (st.st_mode & 0777) == 0700);
	rundir_close(&r);
}

Test(common_trust, a_run_dir_others_could_write_is_not_tightened_but_refused)
{
	struct rundir r;

	cr_assert(mkdir(at("run"), 0777) == 0 && chmod(at("run"), 0777) == 0);
	cr_assert_eq(rundir_create(&r, at("run"), false, why, sizeof(why)),
	    SUP_EREFUSED);
	cr_assert(strstr(why, "writable by others") != NULL, "%s", why);
}

Test(common_trust, a_link_in_place_of_a_subdirectory_is_refused)
{
	struct rundir r;

	cr_assert(mkdir(at("run"), 0700) == 0 && mkdir(at("elsewhere"), 0700) ==
	    0);
	cr_assert(symlink(at("elsewhere"), at("run/log")) == 0);
	cr_assert_neq(rundir_create(&r, at("run"), false, why, sizeof(why)),
	    SUP_OK);
	cr_assert(strstr(why, "not a directory") != NULL, "%s", why);
}

/* Holds a POSIX lock on RUN/supd.lock, with text in it, until killed. */
static pid_t
holder(struct rundir *r, const char *text)
{
	int p[2];
	pid_t pid;
	char c;

	cr_assert(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		int fd = rundir_openat(r, RUN_LOCK, NULL, O_RDWR | O_CREAT,
		    0600);
		char buf[32];
		if (text != NULL)
			snprintf(buf, sizeof(buf), "%s", text);
		else
			snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (fd < 0 || fcntl(fd, F_SETLK, &fl) != 0 ||
		    ftruncate(fd, 0) != 0 ||
		    pwrite(fd, buf, strlen(buf), 0) < 0)
			_exit(1);
		(void)!write(p[1], "x", 1);
		pause();
		_exit(0);
	}
	close(p[1]);
	cr_assert_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

static void
holder_end(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

Test(common_trust, the_lock_names_supd_when_kernel_and_file_agree)
{
	struct rundir r, c;
	pid_t pid, got = 0;

	cr_assert_eq(rundir_create(&r, at("run"), false, why, sizeof(why)),
	    SUP_OK, "%s", why);
	cr_assert_eq(rundir_open(&c, at("run"), why, sizeof(why)), SUP_OK);
	cr_assert_eq(rundir_supd_pid(&c, &got, why, sizeof(why)),
	    SUP_ENOTFOUND);
	pid = holder(&r, NULL);
	cr_assert_eq(rundir_supd_pid(&c, &got, why, sizeof(why)), SUP_OK, "%s",
	    why);
	cr_assert_eq(got, pid);
	holder_end(pid);
	/* A holder whose file names another pid (1: init) is not believed. */
	pid = holder(&r, "1\n");
	cr_assert_eq(rundir_supd_pid(&c, &got, why, sizeof(why)),
	    SUP_EREFUSED);
	holder_end(pid);
	rundir_close(&r);
	rundir_close(&c);
}

/* What the lock's holder calls itself, for a supd that is PID 1 of a
 * container (tests/scenario/pid1_test.c runs one): here, our own pid. */
Test(common_trust, a_process_of_our_namespace_has_its_own_pid_there)
{
	cr_assert_eq(proc_ns_pid(getpid()), getpid());
	cr_assert_eq(proc_ns_pid(0), -1);
	cr_assert_eq(proc_ns_pid(-1), -1);
}

Test(common_trust, an_ofd_lock_names_no_pid_to_signal)
{
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
	struct rundir r;
	pid_t got = 0;
	int fd;

	cr_assert_eq(rundir_create(&r, at("run"), false, why, sizeof(why)),
	    SUP_OK, "%s", why);
	fd = rundir_openat(&r, RUN_LOCK, NULL, O_RDWR | O_CREAT, 0600);
	cr_assert(fd >= 0 && fcntl(fd, F_OFD_SETLK, &fl) == 0);
	cr_assert_eq(rundir_supd_pid(&r, &got, why, sizeof(why)),
	    SUP_EREFUSED);
	cr_assert(strstr(why, "-1") != NULL, "%s", why);
	cr_assert_eq(got, 0);
	close(fd);
	rundir_close(&r);
}

/* Review of issue 9: nobody's link /tmp/sup-4242 -> a victim's home made a
 * supd of uid 4242 take the home as its run dir. In a sticky directory
 * only our links, or its owner's, are followed (fs.protected_symlinks). */
Test(common_trust, a_link_of_another_user_in_a_sticky_directory_is_not_followed)
{
	int fd;

	need_root();
	cr_assert(mkdir(at("tmp"), 01777) == 0 && chmod(at("tmp"), 01777) ==
	    0);
	cr_assert(mkdir(at("home"), 0755) == 0);
	cr_assert(symlink(at("home"), at("tmp/sup-4242")) == 0);
	cr_assert(lchown(at("tmp/sup-4242"), 65534, 65534) == 0);
	cr_assert_eq(trust_dir_open(at("tmp/sup-4242"), true, 0700, TRUST_MINE,
	    &fd, why, sizeof(why)), SUP_EREFUSED);
	cr_assert(strstr(why, "symbolic link of uid 65534") != NULL, "%s",
	    why);
	/* Ours: followed. */
	cr_assert(lchown(at("tmp/sup-4242"), 0, 0) == 0);
	cr_assert_eq(trust_dir_open(at("tmp/sup-4242"), false, 0, TRUST_MINE,
	    &fd, why, sizeof(why)), SUP_OK, "%s", why);
	close(fd);
}

/* A sticky directory is fine to pass through, not to be RUN, nor to hold
 * a database (SQLite makes its -wal and -shm beside it, by name). */
Test(common_trust, a_sticky_directory_is_no_run_dir_and_holds_no_database)
{
	struct rundir r;
	int fd;

	need_root();
	cr_assert(mkdir(at("tmp"), 01777) == 0 && chmod(at("tmp"), 01777) ==
	    0);
	cr_assert_eq(rundir_create(&r, at("tmp"), false, why, sizeof(why)),
	    SUP_EREFUSED);
	cr_assert_eq(rundir_open(&r, at("tmp"), why, sizeof(why)),
	    SUP_EREFUSED);
	cr_assert_eq(trust_file_open(at("tmp/state.db"), O_RDWR | O_CREAT,
	    0600, TRUST_MINE, &fd, why, sizeof(why)), SUP_EREFUSED);
	cr_assert(strstr(why, "plant files beside state.db") != NULL, "%s",
	    why);
	cr_assert(access(at("tmp/state.db"), F_OK) != 0, "it was made");
}

Test(common_trust, a_fifo_or_a_directory_in_place_of_a_file_is_refused)
{
	int fd;

	cr_assert(mkfifo(at("db"), 0600) == 0);
	cr_assert_eq(trust_file_open(at("db"), O_RDONLY, 0, TRUST_MINE, &fd,
	    why, sizeof(why)), SUP_EREFUSED, "%s", why);
	cr_assert(mkdir(at("d"), 0700) == 0);
	cr_assert_eq(trust_file_open(at("d"), O_RDONLY, 0, TRUST_MINE, &fd,
	    why, sizeof(why)), SUP_EREFUSED, "%s", why);
}

Test(common_trust, a_name_longer_than_a_name_can_be_is_an_error)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%0300d", dir, 7);
	cr_assert_eq(trust_dir_open(path, true, 0700, TRUST_MINE, &fd, why,
	    sizeof(why)), SUP_ESYS | ENAMETOOLONG, "%s", why);
}

/* Whether another process sees path write-locked by pid (F_GETLK). */
static bool
locked_by(const char *path, pid_t pid)
{
	pid_t p = fork();
	int st;

	cr_assert(p >= 0);
	if (p == 0) {
		struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
		int fd = open(path, O_RDONLY);
		_exit(fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0 &&
		    fl.l_type == F_WRLCK && fl.l_pid == pid ? 0 : 1);
	}
	cr_assert_eq(waitpid(p, &st, 0), p);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/*
 * A client stats a worker's database it may have open through SQLite
 * (worker/readers.c): closing any other descriptor of the file drops the
 * process's POSIX locks on it, SQLite's included. An O_PATH open does
 * not; a read-only one does (what the check would catch).
 */
Test(common_trust, an_o_path_open_and_close_keep_the_process_locks)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	const char *db = at("kv.db");
	int held, fd;

	cr_assert_eq(chmod(dir, 0700), 0);
	cr_assert((held = open(db, O_RDWR | O_CREAT, 0600)) >= 0);
	cr_assert_eq(fcntl(held, F_SETLK, &fl), 0);
	cr_assert(locked_by(db, getpid()));
	cr_assert_eq(trust_file_open(db, O_PATH, 0, TRUST_MINE, &fd, why,
	    sizeof(why)), SUP_OK, "%s", why);
	close(fd);
	cr_assert(locked_by(db, getpid()), "the O_PATH close dropped it");
	cr_assert_eq(trust_file_open(db, O_RDONLY, 0, TRUST_MINE, &fd, why,
	    sizeof(why)), SUP_OK, "%s", why);
	close(fd);
	cr_assert_not(locked_by(db, getpid()), "a plain close keeps it?");
	close(held);
}
