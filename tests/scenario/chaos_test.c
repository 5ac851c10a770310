/*
 * tests/scenario/chaos_test.c — supd killed with -9 at random moments, over
 * and over, while children crash-loop under every strategy. After each
 * round, once a new supd answers, the invariants hold:
 *  - every live process carrying this run dir is known to supd (its pid
 *    is the pid status shows for its name): no orphan;
 *  - no name has more than one live process: no duplicate;
 *  - no child stays in state starting: nothing forgotten half-way.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_chaos, 240);

#define CHILD T_HELPER("t-child")
#define ROUNDS 12

static void
conf_chaos(void)
{
	t_conf(&env,
	    "intensity = 10000\nperiod = 1s\n"
	    "[group ofo]\nstrategy = one_for_one\nintensity = 10000\n"
	    "period = 1s\n"
	    "[worker crash1]\ngroup = ofo\ncommand = " CHILD
	    " --exit-after=50-400 --code=1\nbackoff = 0 0\nstdout = null\n"
	    "[worker pool]\ngroup = ofo\ncommand = " CHILD
	    " --exit-after=100-800\ninstances = 3\nbackoff = 0 0\n"
	    "stdout = null\n"
	    "[group ofa]\nstrategy = one_for_all\nintensity = 10000\n"
	    "period = 1s\n"
	    "[worker a1]\ngroup = ofa\ncommand = " CHILD "\nstdout = null\n"
	    "[worker a2]\ngroup = ofa\ncommand = " CHILD
	    " --exit-after=100-600 --kill-self=9\nbackoff = 0 0\n"
	    "stdout = null\n"
	    "[worker a3]\ngroup = ofa\ncommand = " CHILD "\nstdout = null\n"
	    "[group rfo]\nstrategy = rest_for_one\nintensity = 10000\n"
	    "period = 1s\n"
	    "[worker n1]\ngroup = rfo\ncommand = " CHILD " --ready-after=30\n"
	    "ready = notify\nstdout = null\n"
	    "[worker r2]\ngroup = rfo\ncommand = " CHILD
	    " --exit-after=100-500 --code=2\nbackoff = 0 0\nstdout = null\n"
	    "[worker r3]\ngroup = rfo\ncommand = " CHILD "\nstdout = null\n");
}

/* The parent of pid (field 4 of /proc/PID/stat), or 0. */
static pid_t
parent_of(pid_t pid)
{
	char path[64], *text, *p;
	pid_t ppid = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((text = t_read(path)) != NULL && (p = strrchr(text, ')')) != NULL)
		ppid = (pid_t)atoi(p + 4);
	free(text);
	return ppid;
}

/*
 * Two live processes of one name are a duplicate unless one is the
 * other's child: under make asan-test, LeakSanitizer checks an exiting
 * helper from a task it clones, which has the helper's environment (the
 * "duplicate" seen twice in that run was crash1's and r2's exits).
 */
static bool
duplicate(pid_t a, pid_t b)
{
	return t_pid_alive(a) && t_pid_alive(b) && parent_of(a) != b &&
	    parent_of(b) != a;
}

/* The pid status shows for name, or 0. */
static pid_t
pid_in(json_t *s, const char *name)
{
	return (pid_t)json_integer_value(json_object_get(t_kid(s, name),
	    "pid"));
}

static void
invariants_check(int round)
{
	char kv[200], name[80];
	pid_t procs[64];
	json_t *s1, *s2;
	int n;

	cr_assert(T_WAIT((s1 = t_status(&env)) != NULL, T_WAIT_MS),
	    "round %d: the new supd does not answer", round);
	snprintf(kv, sizeof(kv), "SUP_RUN_DIR=%s", env.run);
	n = t_procs_with_env(kv, procs, 64);
	s2 = t_status(&env);
	if (s2 == NULL) {
		char *err = NULL;
		int rc = t_ctl(&env, NULL, &err, "status", NULL);
		cr_assert_fail("round %d: status failed (%s), then (%d: %s); "
		    "supd %s", round, t_status_err, rc, err,
		    t_supd_alive(&env) ? "alive" : "dead");
	}
	for (int i = 0; i < n; i++) {
		if (!t_proc_env(procs[i], "SUP_NAME", name, sizeof(name)))
			continue; /* gone meanwhile */
		pid_t up = parent_of(procs[i]);
		/* A task a known child cloned (LeakSanitizer's) is its. */
		bool known = pid_in(s1, name) == procs[i] ||
		    pid_in(s2, name) == procs[i] || (up > 1 &&
		    (pid_in(s1, name) == up || pid_in(s2, name) == up));
		if (!known && t_pid_alive(procs[i])) {
			char sid[32] = "?", path[300];
			t_proc_env(procs[i], "SUP_SPAWN_ID", sid, sizeof(sid));
			snprintf(path, sizeof(path), "%s/spawn.tab", env.run);
			cr_assert_fail("round %d: pid %d (%s, spawn %s) is alive "
			    "and unknown to supd (status: pid %d, then %d; "
			    "spawn records:\n%s)\nlog:\n%s", round,
			    (int)procs[i], name, sid, (int)pid_in(s1, name),
			    (int)pid_in(s2, name), t_read(path),
			    t_read(env.log));
		}
		for (int j = i + 1; j < n; j++) {
			char other[80];
			if (t_proc_env(procs[j], "SUP_NAME", other,
			    sizeof(other)) && strcmp(name, other) == 0)
				cr_assert(!duplicate(procs[i], procs[j]),
				    "round %d: two "
				    "live processes for %s: %d and %d\nlog:\n%s",
				    round, name, (int)procs[i], (int)procs[j],
				    t_read(env.log));
		}
	}
	json_decref(s1);
	json_decref(s2);
	/* n1 is the only one with a readiness protocol: it gets ready. */
	cr_assert(T_WAIT(strcmp(t_state(&env, "n1"), "running") == 0,
	    T_WAIT_MS), "round %d: n1 stays %s", round, t_state(&env, "n1"));
	cr_assert(T_WAIT(strcmp(t_state(&env, "a1"), "starting") != 0 &&
	    strcmp(t_state(&env, "r3"), "starting") != 0, T_WAIT_MS));
}

Test(scenario_chaos, kill_9_of_supd_at_random_moments_loses_nothing)
{
	char kv[200];
	pid_t left[64];

	conf_chaos();
	srand((unsigned)getpid());
	for (int round = 1; round <= ROUNDS; round++) {
		t_supd_spawn(&env);
		/* 0 to 600 ms: during start-up, a restart storm, a
		 * one_for_all, a recovery... */
		t_sleep_ms(rand() % 600);
		kill(env.supd, SIGKILL);
		cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
		t_supd_spawn(&env);
		invariants_check(round);
		kill(env.supd, SIGKILL);
		cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 128 + SIGKILL);
	}
	/* Finally an orderly stop leaves nothing. */
	t_supd_spawn(&env);
	invariants_check(ROUNDS + 1);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", NULL), 0);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
	snprintf(kv, sizeof(kv), "SUP_RUN_DIR=%s", env.run);
	cr_assert_eq(t_procs_with_env(kv, left, 64), 0);
}
