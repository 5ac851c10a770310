/*
 * tests/scenario/zz_leftovers_test.c — runs last (tests/run.sh runs
 * scenario binaries in name order): no process started by any earlier
 * test may still be alive. Every test process carries SUP_TEST_DIR in its
 * environment, whatever became of its parent.
 */
#include <signal.h>
#include <stdio.h>

#include "tests/t.h"

Test(scenario_zz, no_test_left_a_process_behind)
{
	pid_t left[64];
	char cmd[64], *comm;
	int n = t_procs_with_env("SUP_TEST_DIR=/tmp/sup-test-*", left, 64);

	for (int i = 0; i < n; i++) {
		snprintf(cmd, sizeof(cmd), "/proc/%d/cmdline", (int)left[i]);
		comm = t_read(cmd);
		cr_log_error("left behind: pid %d %s", (int)left[i],
		    comm ? comm : "?");
		kill(left[i], SIGKILL);
	}
	cr_assert_eq(n, 0, "%d processes left behind by earlier tests", n);
}
