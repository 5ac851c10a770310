/*
 * Logs people can read (issue 15): supctl logs over several logs, merged
 * by time, and -f over all of them; supd's own supd.log rotated.
 *
 * The merge and -f tests write the logs themselves, in supd's format
 * ("2026-12-05T06:17:25.123Z out line"), into a real run dir, with what
 * a run dir may hold: rotated files, lines without a stamp, a link and
 * a file name with an escape in it; then run the real supctl. The others
 * run a real supd and real children.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(logs, 120);

#define T0 "2026-12-05T06:17:25."

/* RUN and RUN/log, as supd makes them. */
static void
run_make(void)
{
	char log[300];

	cr_assert(mkdir(env.run, 0700) == 0 || errno == EEXIST);
	snprintf(log, sizeof(log), "%s/log", env.run);
	cr_assert(mkdir(log, 0700) == 0 || errno == EEXIST);
}

/* Appends text to RUN/log/leaf. */
static void
log_put(const char *leaf, const char *text)
{
	char path[400];
	int fd;

	snprintf(path, sizeof(path), "%s/log/%s", env.run, leaf);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
	cr_assert(fd >= 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void
log_mv(const char *from, const char *to)
{
	char a[400], b[400];

	snprintf(a, sizeof(a), "%s/log/%s", env.run, from);
	snprintf(b, sizeof(b), "%s/log/%s", env.run, to);
	cr_assert_eq(rename(a, b), 0);
}

/* Three children's logs with interleaved times, one rotated, a line
 * without a stamp at the top of one and in the middle of another, a link
 * to a secret and a name with an escape. */
static void
logs_plant(void)
{
	char secret[300], link[300];

	run_make();
	log_put("a.log.1", T0 "000Z out a0\n");
	log_put("a.log", T0 "100Z out a1\n" T0 "300Z err a3\nno stamp a\n");
	log_put("kv.0.log", "first, no stamp\n" T0 "200Z out b2\n"
	    T0 "400Z out b4\n");
	log_put("kv.1.log", T0 "250Z out k1\n");
	log_put("e\033[31m.log", T0 "500Z out esc\n");
	t_path(&env, "secret", secret, sizeof(secret));
	FILE *f = fopen(secret, "w");
	cr_assert_not_null(f);
	fputs(T0 "350Z out SECRET\n", f);
	fclose(f);
	snprintf(link, sizeof(link), "%s/log/x.log", env.run);
	cr_assert_eq(symlink(secret, link), 0);
}

Test(logs, every_log_merged_by_time_with_its_name)
{
	char *out = NULL, *err = NULL;

	logs_plant();
	cr_assert_eq(t_ctl(&env, &out, &err, "logs", NULL), 0, "%s", err);
	cr_assert_str_eq(out,
	    "kv.0      | first, no stamp\n"
	    "a         | " T0 "000Z out a0\n"
	    "a         | " T0 "100Z out a1\n"
	    "kv.0      | " T0 "200Z out b2\n"
	    "kv.1      | " T0 "250Z out k1\n"
	    "a         | " T0 "300Z err a3\n"
	    "a         | no stamp a\n"
	    "kv.0      | " T0 "400Z out b4\n"
	    "e\\x1b[31m | " T0 "500Z out esc\n");
	cr_assert(strstr(err, "x.log: a symbolic link") != NULL, "%s", err);
	cr_assert(strchr(err, '\033') == NULL);
	free(out);
	free(err);
	/* The last three of the merged stream. */
	cr_assert_eq(t_ctl(&env, &out, NULL, "logs", "-n", "3", NULL), 0);
	cr_assert_str_eq(out,
	    "a         | no stamp a\n"
	    "kv.0      | " T0 "400Z out b4\n"
	    "e\\x1b[31m | " T0 "500Z out esc\n");
	free(out);
}

Test(logs, a_pool_several_names_or_one_child)
{
	char *out = NULL;

	logs_plant();
	cr_assert_eq(t_ctl(&env, &out, NULL, "logs", "kv", NULL), 0);
	cr_assert_str_eq(out,
	    "kv.0 | first, no stamp\n"
	    "kv.0 | " T0 "200Z out b2\n"
	    "kv.1 | " T0 "250Z out k1\n"
	    "kv.0 | " T0 "400Z out b4\n");
	free(out);
	cr_assert_eq(t_ctl(&env, &out, NULL, "logs", "a", "kv.1", "-n", "2",
	    NULL), 0);
	cr_assert_str_eq(out, "a    | " T0 "300Z err a3\n"
	    "a    | no stamp a\n");
	free(out);
	/* One child: its lines as they are, the rotated file first. */
	cr_assert_eq(t_ctl(&env, &out, NULL, "logs", "a", NULL), 0);
	cr_assert_str_eq(out, T0 "000Z out a0\n" T0 "100Z out a1\n"
	    T0 "300Z err a3\nno stamp a\n");
	free(out);
	cr_assert_eq(t_ctl(&env, &out, NULL, "logs", "x", NULL), 1,
	    "a link is no log");
	cr_assert(strstr(out, "SECRET") == NULL);
	free(out);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "logs", "nope", NULL), 4);
}

Test(logs, json_one_object_a_line)
{
	char *out = NULL;

	logs_plant();
	cr_assert_eq(t_ctl(&env, &out, NULL, "--json", "logs", "a", "kv",
	    "-n", "3", NULL), 0);
	cr_assert_str_eq(out,
	    "{\"name\":\"a\",\"t\":\"" T0 "300Z\",\"stream\":\"err\","
	    "\"line\":\"a3\"}\n"
	    "{\"name\":\"a\",\"t\":null,\"stream\":null,\"line\":"
	    "\"no stamp a\"}\n"
	    "{\"name\":\"kv.0\",\"t\":\"" T0 "400Z\",\"stream\":\"out\","
	    "\"line\":\"b4\"}\n");
	free(out);
}

/* supctl -r RUN logs -f [args], its stdout a pipe (non-blocking). */
static pid_t
follow_start(int *fd, const char *arg)
{
	char *argv[] = {T_BIN("supctl"), "-r", env.run, "logs", "-f", "-n",
	    "1", (char *)arg, NULL};
	int to;
	pid_t pid;

	setenv("SUP_TEST_DIR", env.dir, 1);
	pid = t_spawn_io(argv, &to, fd);
	close(to);
	fcntl(*fd, F_SETFL, O_NONBLOCK);
	return pid;
}

/* Reads what is there from fd onto *buf. */
static const char *
drain(int fd, char *buf, size_t cap)
{
	size_t len = strlen(buf);
	ssize_t n;

	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

/* How many times line (a whole line) is in buf. */
static int
times(const char *buf, const char *line)
{
	size_t n = strlen(line);
	int k = 0;

	for (const char *p = buf; (p = strstr(p, line)) != NULL; p += n)
		if ((p == buf || p[-1] == '\n') && p[n] == '\n')
			k++;
	return k;
}

Test(logs, follow_every_log_new_files_and_rotation_each_line_once)
{
	static char buf[65536];
	static const char *want[] = {
	    "a         | a-new-1", "kv.0      | kv0-new", "a         | "
	    "a-partial-then-whole", "n         | n-1", "a         | a-after",
	    "a         | a-late-old", "n         | n-2", NULL};
	int fd, st;
	pid_t pid;

	logs_plant();
	pid = follow_start(&fd, NULL);
	/* The tail is printed once every log is watched. */
	cr_assert(T_WAIT(strstr(drain(fd, buf, sizeof(buf)), "esc\n") !=
	    NULL, T_WAIT_MS), "%s", buf);
	log_put("a.log", "a-new-1\n");
	log_put("kv.0.log", "kv0-new\n");
	log_put("a.log", "a-partial");
	cr_assert(T_WAIT(times(drain(fd, buf, sizeof(buf)), want[1]) == 1,
	    T_WAIT_MS), "%s", buf);
	cr_assert(strstr(buf, "a-partial") == NULL, "half a line: %s", buf);
	log_put("a.log", "-then-whole\n");
	log_put("n.log", "n-1\n"); /* a child that starts later */
	/* Rotation: a.log becomes a.log.1, a new a.log. */
	log_mv("a.log", "a.log.1");
	log_put("a.log", "a-after\n");
	log_put("a.log.1", "a-late-old\n"); /* a writer that had it open */
	log_put("n.log", "n-2\n");
	for (int i = 0; want[i] != NULL; i++)
		cr_assert(T_WAIT(times(drain(fd, buf, sizeof(buf)), want[i]) >=
		    1, T_WAIT_MS), "%s missing:\n%s", want[i], buf);
	/* Give a repeat every chance to show, then count. */
	log_put("kv.1.log", "sync\n");
	cr_assert(T_WAIT(times(drain(fd, buf, sizeof(buf)), "kv.1      | "
	    "sync") == 1, T_WAIT_MS));
	for (int i = 0; want[i] != NULL; i++)
		cr_assert_eq(times(buf, want[i]), 1, "%s:\n%s", want[i], buf);
	cr_assert(strstr(buf, "SECRET") == NULL);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	close(fd);
}

/* Real children, real supd: their lines under their names (whatever
 * prefix supd gives each line). */
Test(logs, real_children_merged_under_their_names)
{
	static char buf[65536];
	char *out = NULL;
	int fd, st;
	pid_t pid;

	t_conf(&env, "[worker solo]\ncommand = /bin/sh -c 'echo solo-says-hi "
	    "&& exec sleep 1000'\n[worker p]\ninstances = 2\ncommand = "
	    "/bin/sh -c 'echo pool-says-$SUP_INSTANCE && exec sleep 1000'\n");
	t_supd_start(&env);
	cr_assert(T_WAIT(t_ctl(&env, &out, NULL, "logs", NULL) == 0 &&
	    strstr(out, "p.1  | ") != NULL && strstr(out, "solo | ") != NULL,
	    T_WAIT_MS) || (free(out), false), "%s", out);
	free(out);
	cr_assert_eq(t_ctl(&env, &out, NULL, "logs", NULL), 0);
	cr_assert(strstr(out, "solo-says-hi\n") != NULL, "%s", out);
	cr_assert(strstr(out, "p.0  | ") != NULL && strstr(out,
	    "pool-says-0\n") != NULL, "%s", out);
	free(out);
	cr_assert_eq(t_ctl(&env, &out, NULL, "logs", "p", NULL), 0);
	cr_assert(strstr(out, "solo") == NULL && strstr(out, "p.1 | ") !=
	    NULL && strstr(out, "pool-says-1\n") != NULL, "%s", out);
	free(out);
	/* -f sees a restarted instance's new line. */
	pid = follow_start(&fd, "p");
	cr_assert(T_WAIT(strstr(drain(fd, buf, sizeof(buf)), "pool-says") !=
	    NULL, T_WAIT_MS));
	buf[0] = '\0';
	cr_assert_eq(t_ctl(&env, NULL, NULL, "restart", "p.1", NULL), 0);
	cr_assert(T_WAIT(strstr(drain(fd, buf, sizeof(buf)), "pool-says-1\n")
	    != NULL, T_WAIT_MS), "%s", buf);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	close(fd);
}

/* --- supd.log ------------------------------------------------------------ */

#define CRASH_LOOP                                                         \
	"log_max_size = 64K\nlog_keep = 2\nintensity = 10000\nperiod = 1s\n" \
	"[worker crash]\ncommand = /bin/false\nbackoff = 0 0\n"
#define LIMIT (64 * 1024)
#define LINE_MAX_LOG 2048 /* common/log.c's longest line */

static off_t
size_of(const char *leaf)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", env.run, leaf);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static ino_t
ino_of(const char *leaf)
{
	char path[300];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", env.run, leaf);
	return stat(path, &st) == 0 ? st.st_ino : 0;
}

Test(logs, supd_log_of_a_background_supd_is_rotated_and_bounded)
{
	char *start[] = {T_BIN("supctl"), "start", "-c", env.conf, NULL};
	char *stop[] = {T_BIN("supctl"), "-c", env.conf, "stop", NULL};
	off_t before;
	ino_t was;

	t_conf(&env, CRASH_LOOP);
	setenv("SUP_TEST_DIR", env.dir, 1);
	cr_assert_eq(t_run(NULL, NULL, start), 0);
	cr_assert(T_WAIT(size_of("supd.log.2") > 0, 60000),
	    "no supd.log.2 (supd.log is %lld bytes)",
	    (long long)size_of("supd.log"));
	/* Several more rotations, each file checked as it goes. */
	for (int round = 0; round < 3; round++) {
		was = ino_of("supd.log.2");
		cr_assert(T_WAIT(ino_of("supd.log.2") != was, 60000));
		for (int i = 0; i < 50; i++) {
			cr_assert_leq(size_of("supd.log"), LIMIT);
			cr_assert_leq(size_of("supd.log.1"), LIMIT +
			    LINE_MAX_LOG);
			cr_assert_leq(size_of("supd.log.2"), LIMIT +
			    LINE_MAX_LOG);
			cr_assert_eq(size_of("supd.log.3"), -1);
			t_sleep_ms(2);
		}
	}
	/* The newest supd.log still gets lines. */
	before = size_of("supd.log");
	cr_assert(T_WAIT(size_of("supd.log") != before, T_WAIT_MS));
	cr_assert_eq(t_run(NULL, NULL, stop), 0);
}

/* Whether RUN/leaf holds what. */
static bool
run_file_has(const char *leaf, const char *what)
{
	char path[300];
	char *text;
	bool has;

	snprintf(path, sizeof(path), "%s/%s", env.run, leaf);
	text = t_read(path);
	has = text != NULL && strstr(text, what) != NULL;
	free(text);
	return has;
}

/*
 * A child with stdout = inherit writes through the log holder into
 * supd's stdout, RUN/supd.log: once supd rotated it, the holder writes
 * into the new supd.log, not into the one now called supd.log.1.
 */
Test(logs, inherit_lines_follow_supd_log_through_its_rotation)
{
	char *start[] = {T_BIN("supctl"), "start", "-c", env.conf, NULL};
	char *stop[] = {T_BIN("supctl"), "-c", env.conf, "stop", NULL};
	ino_t was;

	t_conf(&env, CRASH_LOOP "[worker talker]\ncommand = "
	    T_HELPER("t-logger") " seq 20000\nstdout = inherit\n");
	setenv("SUP_TEST_DIR", env.dir, 1);
	cr_assert_eq(t_run(NULL, NULL, start), 0);
	cr_assert(T_WAIT(run_file_has("supd.log", "talker | "), T_WAIT_MS));
	cr_assert(T_WAIT(size_of("supd.log.1") > 0, 60000));
	was = ino_of("supd.log");
	cr_assert(T_WAIT(ino_of("supd.log") != was, 60000));
	/* Only the holder writes talker's lines: into the old file
	 * (supd.log.1 by now, then gone) unless it was told of the new. */
	cr_assert(T_WAIT(run_file_has("supd.log", "talker | "), 60000),
	    "no line of talker in the newest supd.log");
	cr_assert_eq(t_run(NULL, NULL, stop), 0);
}

Test(logs, supd_in_the_foreground_never_rotates)
{
	struct stat st;
	off_t planted;

	run_make();
	/* A supd.log in the run dir that is not supd's stderr. */
	log_put("../supd.log", "not supd's\n");
	planted = size_of("supd.log");
	t_conf(&env, CRASH_LOOP);
	t_supd_start(&env);
	/* Its stderr (a file of the test's) passes the limit thrice. */
	cr_assert(T_WAIT(stat(env.log, &st) == 0 && st.st_size > 3 * LIMIT,
	    60000));
	cr_assert_eq(size_of("supd.log.1"), -1);
	cr_assert_eq(size_of("supd.log"), planted);
}
