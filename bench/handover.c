/*
 * bench/handover.c — supctl reexec and supctl reload on a 1000-child
 * tree: how long the control socket cannot answer `status`, and how long
 * a reload with one change takes, end to end as supctl sees it.
 *
 * The floor is what any re-exec costs at least: fork + exec of supd's
 * binary until it exits (`supd --version`: the dynamic loader, nng's and
 * SQLite's libraries mapped), measured in the same run. Beside it, the
 * time a status takes on the same tree when nothing happens (part of
 * every gap measured: the gap ends with a status answered).
 *
 * Output, one line per figure: NAME value unit (floor value unit, ratio R)
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "ipc/ipc.h"

#define STAMP SUP_BUILD_DIR "/bench/child/bench-stamp"
#define SUPD SUP_BUILD_DIR "/bin/supd"
#define SUPCTL SUP_BUILD_DIR "/bin/supctl"
#define CHILDREN 1000
#define ROUNDS 5

static char dir[64], conf[128], ctl[160];

static void
conf_write(bool extra)
{
	FILE *f = fopen(conf, "w");

	fprintf(f, "[supervisor]\nrun_dir = %s/run\n[worker b]\n"
	    "command = %s /dev/null\ninstances = %d\nstdout = null\n%s", dir,
	    STAMP, CHILDREN, extra ? "[worker extra]\ncommand = " STAMP
	    " /dev/null\nstdout = null\n" : "");
	fclose(f);
}

static pid_t
spawn(const char *const argv[], bool quiet)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		if (quiet)
			dup2(null, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* supd, once its root is ready (--ready-fd). */
static pid_t
supd_start(void)
{
	int p[2];
	char fd[16], buf[16];
	pid_t pid;

	if (pipe(p) != 0)
		exit(1);
	snprintf(fd, sizeof(fd), "%d", p[1]);
	const char *argv[] = {SUPD, "-c", conf, "--ready-fd", fd, NULL};
	pid = spawn(argv, true);
	close(p[1]);
	if (read(p[0], buf, sizeof(buf)) <= 0) {
		fprintf(stderr, "bench: supd did not start\n");
		exit(1);
	}
	close(p[0]);
	return pid;
}

/* One status request; true when the reply holds want (NULL: any). */
static bool
status_has(const char *want)
{
	static const char req[] = "\x01J{\"cmd\":\"status\"}";
	void *reply = NULL;
	size_t len = 0;
	bool ok;

	if (ipc_call(ctl, req, sizeof(req) - 1, &reply, &len, 10000) != SUP_OK)
		return false;
	ok = want == NULL || memmem(reply, len, want, strlen(want)) != NULL;
	free(reply);
	return ok;
}

static double
status_ms(void)
{
	int64_t v[ROUNDS], t;

	for (int i = 0; i < ROUNDS; i++) {
		t = now_ns();
		status_has(NULL);
		v[i] = now_ns() - t;
	}
	return median_us(v, ROUNDS) / 1000;
}

/* From the reexec request to the first status the new image answers. */
static double
reexec_gap_ms(int round)
{
	const char *argv[] = {SUPCTL, "-r", NULL, "reexec", NULL};
	char run[128], want[32];
	int64_t t0;
	pid_t ctl_pid;

	snprintf(run, sizeof(run), "%s/run", dir);
	argv[2] = run;
	snprintf(want, sizeof(want), "\"reexecs\":%d", round + 1);
	t0 = now_ns();
	ctl_pid = spawn(argv, true);
	while (!status_has(want))
		;
	double ms = (double)(now_ns() - t0) / 1e6;
	waitpid(ctl_pid, NULL, 0);
	return ms;
}

/* supctl reload with one change, end to end (supctl's own wall time). */
static double
reload_ms(int round)
{
	const char *argv[] = {SUPCTL, "-r", NULL, "reload", NULL};
	char run[128];
	int64_t t0;
	int st;

	snprintf(run, sizeof(run), "%s/run", dir);
	argv[2] = run;
	conf_write(round % 2 == 0); /* one worker added, then removed */
	t0 = now_ns();
	waitpid(spawn(argv, true), &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "bench: reload failed (%#x)\n", st);
	return (double)(now_ns() - t0) / 1e6;
}

static double
exec_floor_ms(void)
{
	const char *argv[] = {SUPD, "--version", NULL};
	int64_t v[ROUNDS], t;

	for (int i = 0; i < ROUNDS; i++) {
		t = now_ns();
		waitpid(spawn(argv, true), NULL, 0);
		v[i] = now_ns() - t;
	}
	return median_us(v, ROUNDS) / 1000;
}

int
main(void)
{
	int64_t gap[ROUNDS], rl[ROUNDS];
	double floor_ms, st_ms;
	pid_t supd;
	char cmd[128];

	strcpy(dir, "/tmp/sup-bench-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(conf, sizeof(conf), "%s/sup.conf", dir);
	snprintf(ctl, sizeof(ctl), "%s/run/ctl", dir);
	conf_write(false);
	supd = supd_start();
	floor_ms = exec_floor_ms();
	st_ms = status_ms();
	for (int i = 0; i < ROUNDS; i++)
		gap[i] = (int64_t)(reexec_gap_ms(i) * 1e6);
	double g = median_us(gap, ROUNDS) / 1000;
	printf("reexec_status_gap_1000 %.1f ms (floor %.1f ms: exec of supd; "
	    "a status alone %.1f ms; ratio %.1f)\n", g, floor_ms, st_ms,
	    g / floor_ms);
	for (int i = 0; i < ROUNDS; i++)
		rl[i] = (int64_t)(reload_ms(i) * 1e6);
	double r = median_us(rl, ROUNDS) / 1000;
	printf("reload_one_change_1000 %.1f ms (floor %.1f ms: exec of supd; "
	    "ratio %.1f)\n", r, floor_ms, r / floor_ms);
	kill(supd, SIGTERM);
	waitpid(supd, NULL, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
