/*
 * OTP's semantics where sup follows them (issue 14; the rules are pinned
 * in the engine and restart unit tests; these are the real processes).
 */
#include <signal.h>
#include <string.h>

#include "tests/t.h"

#define CHILD T_HELPER("t-child")

T_SCENARIO_SUITE(otp, 60);

/* Once its exit is in the history, what followed it is decided. */
static void
exit_seen(const char *name)
{
	cr_assert(T_WAIT(t_history_count(&env, name, "exit") == 1,
	    T_WAIT_MS), "no exit of %s recorded", name);
}

/* A transient child killed by a SIGTERM supd did not send (kill(1), a
 * service manager) ended as OTP's shutdown: it is not restarted. */
Test(otp, a_transient_child_ended_by_sigterm_is_not_restarted)
{
	t_conf(&env, "[worker t]\ncommand = " CHILD "\nrestart = transient\n"
	    "[worker other]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	t_kill(t_pid(&env, "t"), SIGTERM);
	exit_seen("t");
	cr_assert(T_WAIT(strcmp(t_state(&env, "t"), "stopped") == 0,
	    T_WAIT_MS));
	cr_assert_eq(t_history_count(&env, "t", "restart"), 0);
	cr_assert_eq(t_restarts(&env, "t"), 0);
}

/* normal_exit = 0: a SIGTERM is a failure again, and restarts it. */
Test(otp, normal_exit_can_make_sigterm_a_failure)
{
	pid_t p;

	t_conf(&env, "[worker t]\ncommand = " CHILD "\nrestart = transient\n"
	    "normal_exit = 0\n");
	t_supd_start(&env);
	p = t_pid(&env, "t");
	t_kill(p, SIGTERM);
	cr_assert(T_WAIT(t_pid(&env, "t") > 0 && t_pid(&env, "t") != p,
	    T_WAIT_MS));
	cr_assert_eq(t_restarts(&env, "t"), 1);
}

/* A wrapper shell turns SIGTERM into status 143: normal_exit names it. */
Test(otp, normal_exit_can_name_a_wrappers_status)
{
	t_conf(&env, "[worker w]\ncommand = " CHILD " --term-exit=143\n"
	    "restart = transient\nnormal_exit = 0 143\n"
	    "[worker x]\ncommand = " CHILD " --term-exit=143\n"
	    "restart = transient\n");
	t_supd_start(&env);
	t_kill(t_pid(&env, "w"), SIGTERM);
	t_kill(t_pid(&env, "x"), SIGTERM);
	exit_seen("w");
	exit_seen("x");
	cr_assert(T_WAIT(t_restarts(&env, "x") == 1, T_WAIT_MS),
	    "143 is a failure by default");
	cr_assert_str_eq(t_state(&env, "w"), "stopped");
	cr_assert_eq(t_history_count(&env, "w", "restart"), 0);
}
