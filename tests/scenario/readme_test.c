/*
 * tests/scenario/readme_test.c — the README's libsup example, run as
 * written: its C block is saved as counter.c, sup is installed into a
 * prefix of the test's own, the README's commands build the worker,
 * write sup.conf and start supd, then its calls must answer 2, and 4
 * after a kill -9. What the README says cannot drift from what works.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_readme, 240);

/* The body of the fenced block (```lang) that follows after, in text;
 * a new string, or NULL. */
static char *
block_after(const char *text, const char *after, const char *lang)
{
	char fence[16];
	const char *p = strstr(text, after), *b, *e;

	snprintf(fence, sizeof(fence), "```%s\n", lang);
	if (p == NULL || (b = strstr(p, fence)) == NULL)
		return NULL;
	b += strlen(fence);
	if ((e = strstr(b, "\n```")) == NULL)
		return NULL;
	return strndup(b, (size_t)(e - b + 1));
}

static void
file_put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* Runs script with /bin/sh in dir: its exit status; its stdout in *out,
 * stderr in *err (new strings; NULL to discard). */
static int
sh_try(const char *dir, const char *script, char **out, char **err)
{
	char cmd[16384];
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};

	snprintf(cmd, sizeof(cmd), "cd '%s' && %s", dir, script);
	return t_run(out, err, argv);
}

/* The same, and it must succeed: its stdout. */
static char *
sh(const char *dir, const char *script)
{
	char *out = NULL, *err = NULL;
	int rc = sh_try(dir, script, &out, &err);

	cr_assert_eq(rc, 0, "%s: exit %d\n%s%s", script, rc, out, err);
	free(err);
	return out;
}

/* SUP_BUILD_DIR relative to SUP_SOURCE_DIR when it is inside it. */
static const char *
build_dir(void)
{
	size_t n = strlen(SUP_SOURCE_DIR);

	if (strncmp(SUP_BUILD_DIR, SUP_SOURCE_DIR, n) == 0 &&
	    SUP_BUILD_DIR[n] == '/')
		return SUP_BUILD_DIR + n + 1;
	return SUP_BUILD_DIR;
}

Test(scenario_readme, the_libsup_example_works_as_written)
{
	char *readme = t_read(SUP_SOURCE_DIR "/README.md"), *c, *build, *use;
	char prefix[256], path[512], env_path[2048], pc[2048], bin[512];
	char install[1024], stop[2400], *out, *line, *save;
	const char *asan = strstr(SUP_BUILD_DIR, "asan") ? "-fsanitize="
	    "address,undefined " : "";

	cr_assert_not_null(readme);
	c = block_after(readme, "## Workers with state: libsup", "c");
	build = block_after(readme, "Save it as `counter.c`", "sh");
	use = block_after(readme, "and then:", "sh");
	cr_assert(c && build && use, "the README's example is not where "
	    "this test looks for it");
	cr_assert(strncmp(build, "make install", 12) == 0, "%s", build);
	t_path(&env, "counter.c", path, sizeof(path));
	file_put(path, c);
	/* make install, into a prefix of the test's own, with BUILD named
	 * as the make running the tests names it (relative to the source
	 * when inside): objects, and their .d files, keep one name, or the
	 * other make would not know their headers and link a stale one. */
	t_path(&env, "prefix", prefix, sizeof(prefix));
	snprintf(install, sizeof(install), "make -s -C '%s' BUILD='%s' "
	    "PREFIX='%s' install >/dev/null", SUP_SOURCE_DIR, build_dir(),
	    prefix);
	free(sh(env.dir, install));
	/* The README's other commands, as written, with PATH and
	 * PKG_CONFIG_PATH as it says for another PREFIX (a build under
	 * ASan links the worker with the sanitizers libsup was built with:
	 * cc is wrapped, the command is the README's). */
	snprintf(bin, sizeof(bin), "%s/ccbin", env.dir);
	snprintf(env_path, sizeof(env_path), "mkdir -p '%s' && printf "
	    "'#!/bin/sh\\nexec /usr/bin/cc %s\"$@\"\\n' > '%s/cc' && "
	    "chmod 755 '%s/cc'", bin, asan, bin, bin);
	free(sh(env.dir, env_path));
	snprintf(pc, sizeof(pc), "export PATH='%s:%s/bin':\"$PATH\" "
	    "PKG_CONFIG_PATH='%s/lib/pkgconfig' && ", bin, prefix, prefix);
	{
		char *script = malloc(strlen(pc) + strlen(build) + 1);
		strcpy(script, pc);
		strcat(script, strchr(build, '\n') + 1); /* past make install */
		free(sh(env.dir, script));
		free(script);
	}
	/* Each line of the usage block; "# N" says what it prints. */
	for (line = strtok_r(use, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char script[8192], want[16] = "";
		const char *hash = strstr(line, "# ");
		if (hash != NULL && hash[2] >= '0' && hash[2] <= '9')
			snprintf(want, sizeof(want), "%.*s\n",
			    (int)strspn(hash + 2, "0123456789"), hash + 2);
		snprintf(script, sizeof(script), "%s%s", pc, line);
		if (strstr(line, "call counter") != NULL) {
			/* Right after the kill, the worker may be restarting
			 * (a call then fails at once: SUP_EDOWN): try again. */
			cr_assert(T_WAIT((out = NULL, sh_try(env.dir, script,
			    &out, NULL) == 0 || (free(out), out = NULL,
			    false)), T_WAIT_MS), "%s", line);
			if (want[0] != '\0')
				cr_assert_str_eq(out, want, "%s", line);
			free(out);
			continue;
		}
		free(sh(env.dir, script));
	}
	snprintf(stop, sizeof(stop), "%ssupctl -r ./run stop", pc);
	free(sh(env.dir, stop));
	free(readme);
	free(c);
	free(build);
	free(use);
}
