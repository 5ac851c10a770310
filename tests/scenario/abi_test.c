/*
 * tests/scenario/abi_test.c — what keeps libsup.so.0 good for programs
 * built elsewhere: a struct sup_ops from an older sup.h runs, its missing
 * members read as defaults, never as the bytes past its size; one whose
 * size is unset, from a newer sup.h, or cut inside a member is refused
 * with a message and exit status 70 before anything runs; the library
 * says its version, the header's; and every function of sup.h has a
 * manual page by its own name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup/sup.h"
#include "tests/t.h"

T_SCENARIO_SUITE(scenario_abi, 120);

#define OPS T_HELPER("t-ops")

/* supctl call o MSG: the reply's first line, or "(exit N)". Static. */
static const char *
call(const char *msg)
{
	return t_ctl_line(&env, "call", "o", msg, NULL);
}

Test(scenario_abi, an_ops_struct_from_an_older_program_runs_on_its_defaults)
{
	pid_t p;

	t_conf(&env, "[worker o]\ncommand = " OPS "\nready = sup\n"
	    "env = T_OPS=old\n");
	t_supd_start(&env);
	cr_assert((p = t_pid(&env, "o")) > 1);
	/* Past its size lie a hibernate hook at address 1 and a
	 * hibernate_after of 1 ms: read, they would crash the worker 1 ms
	 * after each message. It serves, and its timer fires 100 ms later,
	 * idle all along. */
	cr_assert_str_eq(call("later 100"), "ok");
	cr_assert(T_WAIT(strcmp(call("get"), "1") == 0, T_WAIT_MS), "%s",
	    call("get"));
	cr_assert_eq(t_pid(&env, "o"), p);
	cr_assert_eq(t_restarts(&env, "o"), 0);
}

/* t-ops run by hand with T_OPS=which: its status; stderr in *err. */
static int
ops_run(const char *which, char **err)
{
	char *argv[] = {OPS, NULL};

	setenv("T_OPS", which, 1);
	setenv("SUP_RUN_DIR", env.run, 1);
	return t_run(NULL, err, argv);
}

Test(scenario_abi, an_ops_struct_whose_size_is_not_set_is_refused)
{
	char *err = NULL;

	cr_assert_eq(ops_run("zero", &err), 70, "%s", err);
	cr_assert(strstr(err, "struct sup_ops: .size is 0: set it to "
	    "sizeof(struct sup_ops)") != NULL, "%s", err);
	free(err);
}

Test(scenario_abi, an_ops_struct_from_a_newer_sup_h_is_refused)
{
	char *err = NULL, want[160];

	cr_assert_eq(ops_run("newer", &err), 70, "%s", err);
	snprintf(want, sizeof(want), "struct sup_ops: .size is %zu, and this "
	    "libsup (%s) knows %zu bytes of it: the program was built with a "
	    "newer sup.h", sizeof(struct sup_ops) + sizeof(void *),
	    SUP_VERSION_STRING, sizeof(struct sup_ops));
	cr_assert(strstr(err, want) != NULL, "%s", err);
	free(err);
	cr_assert_eq(ops_run("cut", &err), 70, "%s", err);
	cr_assert(strstr(err, "ends inside a member") != NULL, "%s", err);
	free(err);
}

Test(scenario_abi, a_refused_ops_struct_is_the_exit_reason_under_supd)
{
	const char *reason;
	json_t *s;

	t_conf(&env, "[worker o]\ncommand = " OPS "\nready = sup\n"
	    "env = T_OPS=zero\nbackoff = 1s 1s\n");
	t_supd_spawn(&env);
	cr_assert(T_WAIT(t_restarts(&env, "o") >= 1, T_WAIT_MS));
	s = t_status(&env);
	reason = json_string_value(json_object_get(json_object_get(t_kid(s,
	    "o"), "last_exit"), "reason"));
	cr_assert(reason && strstr(reason, "exited with status 70"), "%s",
	    reason);
	json_decref(s);
}

Test(scenario_abi, the_library_says_its_version_and_the_header_agrees)
{
	char *argv[] = {OPS, "version", NULL}, *out = NULL, want[64];

	snprintf(want, sizeof(want), "%d.%d.%d", SUP_VERSION_MAJOR,
	    SUP_VERSION_MINOR, SUP_VERSION_PATCH);
	cr_assert_str_eq(want, SUP_VERSION_STRING);
	snprintf(want, sizeof(want), "%s %s %d %d %d\n", SUP_VERSION_STRING,
	    SUP_VERSION_STRING, SUP_VERSION_MAJOR, SUP_VERSION_MINOR,
	    SUP_VERSION_PATCH);
	cr_assert_eq(t_run(&out, NULL, argv), 0);
	cr_assert_str_eq(out, want);
	free(out);
}

/* The names in the NAME sections of the pages of section 3, one line
 * each (new string). */
static char *
man3_names(void)
{
	char *argv[] = {"sh", "-c", "for m in " SUP_SOURCE_DIR "/man/*.3; do "
	    "sed -n '/^\\.Sh NAME/,/^\\.Nd/s/^\\.Nm \\([A-Za-z0-9_]*\\).*/"
	    "\\1/p' \"$m\"; done", NULL};
	char *out = NULL;

	cr_assert_eq(t_run(&out, NULL, argv), 0);
	return out;
}

Test(scenario_abi, every_function_of_sup_h_has_a_manual_page_by_its_name)
{
	char *names = man3_names(), *h, *p, fn[64], line[70];
	int n = 0;

	h = t_read(SUP_SOURCE_DIR "/include/sup/sup.h");
	cr_assert_not_null(h);
	/* SUP_API TYPE NAME(: every function the library exports. */
	for (p = strstr(h, "SUP_API "); p != NULL;
	    p = strstr(p + 1, "SUP_API ")) {
		const char *paren = strchr(p, '('), *s = paren;
		if (paren == NULL || strncmp(p, "SUP_API __", 10) == 0)
			continue;
		while (s > p && (s[-1] == '_' || (s[-1] >= 'a' &&
		    s[-1] <= 'z')))
			s--;
		if (paren - s <= 0 || paren - s >= (int)sizeof(fn))
			continue;
		snprintf(fn, sizeof(fn), "%.*s", (int)(paren - s), s);
		snprintf(line, sizeof(line), "\n%s\n", fn);
		cr_expect(strncmp(names, line + 1, strlen(line + 1)) == 0 ||
		    strstr(names, line) != NULL, "%s has no page: man %s says "
		    "\"No manual entry\"", fn, fn);
		n++;
	}
	cr_assert_gt(n, 30, "only %d functions found in sup.h", n);
	cr_expect(strstr(names, "\nsup_strerror\n") != NULL,
	    "sup_strerror (sup/err.h) has no page");
	free(h);
	free(names);
}
