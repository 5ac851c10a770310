/*
 * tests/scenario/http_test.c — [supervisor] http = ADDRESS:PORT: GET
 * /metrics, /healthz, /readyz and /status over real sockets, each with
 * its status and body; 405 and 404 for the rest; an address already in
 * use refuses to start; clients that stall do not delay supervision;
 * and a real Prometheus server (Debian's prometheus package) scrapes
 * supd and sees a restart counter grow.
 *
 * supd listens on 127.0.0.1:0 (a free port) and status says which
 * (supervisor.http). The client below speaks HTTP/1.1 with Connection:
 * close, or HTTP/1.0 (Prometheus's API then never answers chunked).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/t.h"

T_SCENARIO_SUITE(scenario_http, 120);

#define CHILD T_HELPER("t-child")
#define LOOPBACK_ANY "http = 127.0.0.1:0\n"

/* --- a small HTTP client ------------------------------------------------ */

struct http_reply {
	int status;	/* -1: no answer in time */
	char *head;	/* status line and headers (new string) */
	char *body;	/* (new string) */
};

static void
reply_free(struct http_reply *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* A TCP connection to "127.0.0.1:PORT" or "[::1]:PORT"; -1 on failure. */
static int
tcp_connect(const char *hostport)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	char host[64];
	const char *colon = strrchr(hostport, ':');
	bool v6 = hostport[0] == '[';
	int fd, port = colon ? atoi(colon + 1) : 0;

	snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport) -
	    (v6 ? 2 : 0), hostport + v6);
	if (v6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, host, &in6->sin6_addr);
	} else {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &in->sin_addr);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, v6 ? sizeof(*in6) :
	    sizeof(*in)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* All of fd until the peer closes it, or NULL after T_WAIT_MS. */
static char *
read_all(int fd, size_t *len)
{
	int64_t end = t_now_ms() + T_WAIT_MS;
	struct pollfd p = {fd, POLLIN, 0};
	char *buf = NULL, chunk[8192];
	ssize_t n = 1;

	*len = 0;
	while (n > 0 && t_now_ms() < end &&
	    poll(&p, 1, (int)(end - t_now_ms())) == 1) {
		if ((n = read(fd, chunk, sizeof(chunk))) <= 0)
			break;
		buf = realloc(buf, *len + (size_t)n + 1);
		memcpy(buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
		buf[*len] = '\0';
	}
	if (n != 0) {
		free(buf);
		return NULL;
	}
	return buf != NULL ? buf : strdup("");
}

/* One request on a connection of its own: version "1.1" or "1.0". */
static struct http_reply
http_req(const char *hostport, const char *method, const char *target,
    const char *version)
{
	struct http_reply r = {.status = -1};
	char req[1024], *all, *sep;
	int fd = tcp_connect(hostport);
	size_t len;

	if (fd < 0)
		return r;
	snprintf(req, sizeof(req), "%s %s HTTP/%s\r\nHost: %s\r\n"
	    "Connection: close\r\n\r\n", method, target, version, hostport);
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    (all = read_all(fd, &len)) == NULL) {
		close(fd);
		return r;
	}
	close(fd);
	if ((sep = strstr(all, "\r\n\r\n")) != NULL) {
		*sep = '\0';
		r.body = strdup(sep + 4);
		r.head = all;
		sscanf(all, "HTTP/%*s %d", &r.status);
	} else {
		free(all);
	}
	return r;
}

static struct http_reply
http_get(const char *hostport, const char *path)
{
	return http_req(hostport, "GET", path, "1.1");
}

/* The value of header name in r (case as nng writes it), or "". */
static const char *
header(const struct http_reply *r, const char *name, char *buf, size_t n)
{
	char key[64];
	const char *at;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	buf[0] = '\0';
	if (r->head != NULL && (at = strstr(r->head, key)) != NULL)
		snprintf(buf, n, "%.*s", (int)strcspn(at + strlen(key), "\r"),
		    at + strlen(key));
	return buf;
}

/* --- supd's address and metrics ----------------------------------------- */

/* supd's HTTP address, from status; fails the test if it has none. */
static const char *
supd_http(void)
{
	static char addr[80];
	json_t *s = NULL;
	const char *a = NULL;

	cr_assert(T_WAIT((json_decref(s), s = t_status(&env)) != NULL,
	    T_WAIT_MS), "no status: %s", t_status_err);
	a = json_string_value(json_object_get(json_object_get(s,
	    "supervisor"), "http"));
	cr_assert_not_null(a, "status has no supervisor.http");
	snprintf(addr, sizeof(addr), "%s", a);
	json_decref(s);
	return addr;
}

/* The value of the sample line that starts with series (all of it: name
 * and labels) in a metrics text; -1 when there is none. */
static double
sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *l = text; l != NULL && *l != '\0';
	    l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, series, n) == 0 && l[n] == ' ')
			return strtod(l + n + 1, NULL);
	return -1;
}

static double
metric_now(const char *addr, const char *series)
{
	struct http_reply r = http_get(addr, "/metrics");
	double v = r.status == 200 ? sample(r.body, series) : -1;

	reply_free(&r);
	return v;
}

/* Whether promtool check metrics accepts text; its words in *why. */
static bool
promtool_accepts(const char *text, char **why)
{
	char path[256], cmd[512];
	char *argv[] = {"/bin/sh", "-c", cmd, NULL};
	FILE *f;

	t_path(&env, "metrics.txt", path, sizeof(path));
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	return t_run(why, NULL, argv) == 0;
}

static void
need_prometheus(void)
{
	char *argv[] = {"/bin/sh", "-c", "command -v prometheus && command -v "
	    "promtool", NULL};

	if (t_run(NULL, NULL, argv) != 0)
		cr_assert_fail("prometheus and promtool are not installed: "
		    "run apt-get install -y prometheus (Debian 12; .ci/run "
		    "and mk/deps.sh install it)");
}

/* --- endpoints ---------------------------------------------------------- */

Test(scenario_http, each_endpoint_answers_with_its_status_and_body)
{
	struct http_reply r;
	const char *addr;
	char h[128], *why = NULL;
	json_t *j;

	t_conf(&env, LOOPBACK_ANY "[worker kv]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	addr = supd_http();

	r = http_get(addr, "/healthz");
	cr_assert_eq(r.status, 200, "%s", r.head);
	cr_assert_str_eq(r.body, "ok\n");
	reply_free(&r);
	r = http_get(addr, "/readyz");
	cr_assert_eq(r.status, 200, "%s", r.head);
	cr_assert_str_eq(r.body, "ready\n");
	reply_free(&r);

	r = http_get(addr, "/status");
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(header(&r, "Content-Type", h, sizeof(h)),
	    "application/json");
	cr_assert_not_null(j = json_loads(r.body, 0, NULL), "%s", r.body);
	cr_assert_str_eq(json_string_value(json_object_get(t_kid(j, "kv"),
	    "state")), "running");
	cr_assert_null(json_object_get(j, "ok"), "as supctl status --json");
	json_decref(j);
	reply_free(&r);

	r = http_get(addr, "/metrics");
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(header(&r, "Content-Type", h, sizeof(h)),
	    "text/plain; version=0.0.4; charset=utf-8");
	cr_assert_eq(sample(r.body,
	    "sup_child_running{name=\"kv\",group=\"root\"}"), 1, "%s", r.body);
	cr_assert_eq(sample(r.body, "sup_supd_reloads_total"), 0);
	cr_assert_gt(sample(r.body, "sup_supd_open_fds"), 3);
	cr_assert_gt(sample(r.body, "sup_supd_resident_memory_bytes"), 1e5);
	cr_assert(strstr(r.body, "sup_supervisor_uptime_seconds ") != NULL);
	cr_assert(promtool_accepts(r.body, &why), "promtool: %s\n%s", why,
	    r.body);
	free(why);
	reply_free(&r);
}

/* What changes between two asks of the same tree: times, memory, fds. */
static bool
volatile_key(const char *k)
{
	static const char *const keys[] = {"uptime_ms", "rss_kb",
	    "memory_bytes", "cpu_usec", "open_fds", "backoff_ms"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

/* a and b are the same JSON value, key for key in the same order, but
 * for what volatile_key() says may change (of the same type, or null). */
static void
agree(json_t *a, json_t *b, const char *where)
{
	void *i = json_object_iter(a), *j = json_object_iter(b);
	size_t k;
	json_t *x;

	cr_assert_eq(json_typeof(a), json_typeof(b), "%s: types differ",
	    where);
	if (json_is_array(a)) {
		cr_assert_eq(json_array_size(a), json_array_size(b), "%s",
		    where);
		json_array_foreach(a, k, x)
			agree(x, json_array_get(b, k), where);
		return;
	}
	if (!json_is_object(a)) {
		cr_assert(json_equal(a, b), "%s: values differ", where);
		return;
	}
	for (; i != NULL; i = json_object_iter_next(a, i),
	    j = json_object_iter_next(b, j)) {
		const char *key = json_object_iter_key(i);
		json_t *va = json_object_iter_value(i);
		json_t *vb = j != NULL ? json_object_iter_value(j) : NULL;
		cr_assert(j != NULL && strcmp(key, json_object_iter_key(j)) ==
		    0, "%s.%s: not in the same place", where, key);
		if (!volatile_key(key))
			agree(va, vb, key);
		else if (!json_is_null(va) && !json_is_null(vb))
			cr_assert_eq(json_typeof(va), json_typeof(vb), "%s.%s",
			    where, key);
	}
	cr_assert_null(j, "%s: more keys over one of them", where);
}

Test(scenario_http, status_agrees_with_supctl_field_by_field)
{
	const char *addr;
	struct http_reply r;
	json_t *ctl, *web;

	t_conf(&env, LOOPBACK_ANY "intensity = 100\n"
	    "[worker pool]\ncommand = " CHILD "\ninstances = 2\n"
	    "[group g]\n[worker said]\ngroup = g\nready = notify\n"
	    "command = " CHILD " \"--status=say \\\"hi\\\" \\\\o/\" "
	    "--status-garbage --ready-after=10\n"
	    "[worker once]\nrestart = temporary\n"
	    "command = " CHILD " --exit-after=20 --code=7\n"
	    "[worker held]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "stop", "held", NULL), 0);
	addr = supd_http();
	cr_assert(T_WAIT(t_restarts(&env, "once") == 0 && strcmp(t_state(
	    &env, "once"), "stopped") == 0, T_WAIT_MS));
	cr_assert_not_null(ctl = t_status(&env), "%s", t_status_err);
	r = http_get(addr, "/status");
	cr_assert_eq(r.status, 200);
	cr_assert_not_null(web = json_loads(r.body, 0, NULL), "%s", r.body);
	agree(ctl, web, "status");
	cr_assert_str_neq(json_string_value(json_object_get(t_kid(web,
	    "said"), "status_text")), "", "its STATUS= is there to compare");
	json_decref(ctl);
	json_decref(web);
	reply_free(&r);
}

Test(scenario_http, other_methods_get_405_and_other_paths_404)
{
	static const char *methods[] = {"POST", "PUT", "DELETE", "PATCH"};
	struct http_reply r;
	const char *addr;
	char h[64];

	t_conf(&env, LOOPBACK_ANY "[worker kv]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	addr = supd_http();
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		r = http_req(addr, methods[i], "/metrics", "1.1");
		cr_assert_eq(r.status, 405, "%s: %s", methods[i], r.head);
		cr_assert_str_eq(header(&r, "Allow", h, sizeof(h)),
		    "GET, HEAD");
		reply_free(&r);
	}
	r = http_get(addr, "/nope");
	cr_assert_eq(r.status, 404);
	cr_assert(strstr(r.body, "/metrics") != NULL, "%s", r.body);
	reply_free(&r);
	r = http_get(addr, "/healthz/more");
	cr_assert_eq(r.status, 404);
	reply_free(&r);
	/* A query is not part of the path; HEAD is GET without a body. */
	r = http_get(addr, "/healthz?verbose=1");
	cr_assert_eq(r.status, 200);
	reply_free(&r);
	r = http_req(addr, "HEAD", "/readyz", "1.1");
	cr_assert_eq(r.status, 200);
	cr_assert_str_eq(r.body, "");
	reply_free(&r);
	r = http_req(addr, "GET", "/healthz", "1.0");
	cr_assert_eq(r.status, 200);
	reply_free(&r);
	cr_assert_str_eq(t_state(&env, "kv"), "running");
}

Test(scenario_http, readyz_waits_for_root_and_healthz_does_not)
{
	struct http_reply r;
	const char *addr;

	t_conf(&env, LOOPBACK_ANY "[worker slow]\ncommand = " CHILD "\n"
	    "ready = notify\nstart_timeout = 1h\n");
	t_supd_spawn(&env);
	addr = supd_http();
	r = http_get(addr, "/readyz");
	cr_assert_eq(r.status, 503, "%s", r.head);
	cr_assert_str_eq(r.body, "not ready: root is starting\n");
	reply_free(&r);
	r = http_get(addr, "/healthz");
	cr_assert_eq(r.status, 200);
	reply_free(&r);
}

Test(scenario_http, healthz_fails_once_root_gave_up)
{
	struct http_reply r;
	const char *addr;

	t_conf(&env, LOOPBACK_ANY "on_give_up = stay\nintensity = 0\n"
	    "[worker w]\ncommand = " CHILD " --exit-after=10 --code=3\n");
	t_supd_start(&env);
	addr = supd_http();
	cr_assert(T_WAIT((r = http_get(addr, "/healthz")).status == 503 ||
	    (reply_free(&r), false), T_WAIT_MS), "healthz stayed %d",
	    r.status);
	cr_assert_str_eq(r.body, "failed: root gave up\n");
	reply_free(&r);
	r = http_get(addr, "/readyz");
	cr_assert_eq(r.status, 503);
	cr_assert_str_eq(r.body, "not ready: root gave up\n");
	reply_free(&r);
}

Test(scenario_http, healthz_fails_while_supd_stops)
{
	struct http_reply r;
	const char *addr;
	pid_t pid;

	t_conf(&env, LOOPBACK_ANY "[worker stubborn]\ncommand = "
	    T_HELPER("t-stubborn") "\nshutdown = 1h\n");
	t_supd_start(&env);
	addr = supd_http();
	pid = t_pid(&env, "stubborn");
	t_kill(env.supd, SIGTERM);
	cr_assert(T_WAIT((r = http_get(addr, "/healthz")).status == 503 ||
	    (reply_free(&r), false), T_WAIT_MS), "healthz stayed %d",
	    r.status);
	cr_assert_str_eq(r.body, "stopping: supd is shutting down\n");
	reply_free(&r);
	r = http_get(addr, "/readyz");
	cr_assert_eq(r.status, 503);
	reply_free(&r);
	t_kill(pid, SIGKILL);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 0);
}

Test(scenario_http, restart_counters_say_why)
{
	const char *addr;

	t_conf(&env, LOOPBACK_ANY "intensity = 1000\n"
	    "[group g]\nstrategy = one_for_all\nintensity = 1000\n"
	    "[worker a]\ngroup = g\ncommand = " CHILD "\n"
	    "[worker b]\ngroup = g\ncommand = " CHILD "\n"
	    "[worker quitter]\ncommand = " CHILD " --exit-after=100 --code=3\n"
	    "backoff = 50ms 50ms\n"
	    "[worker late]\ncommand = " CHILD "\nready = notify\n"
	    "start_timeout = 200ms\nbackoff = 50ms 50ms\n");
	t_supd_spawn(&env);
	addr = supd_http();
	cr_assert(T_WAIT(t_pid(&env, "a") > 0, T_WAIT_MS));
	t_kill(t_pid(&env, "a"), SIGKILL);
#define REASON(name, why) "sup_child_restarts_by_reason_total{name=\"" \
	name "\",reason=\"" why "\"}"
	cr_assert(T_WAIT(metric_now(addr, REASON("a", "signal")) == 1 &&
	    metric_now(addr, REASON("b", "sibling")) == 1, T_WAIT_MS));
	cr_assert_eq(metric_now(addr, REASON("a", "exit")), 0);
	cr_assert(T_WAIT(metric_now(addr, REASON("quitter", "exit")) >= 1,
	    T_WAIT_MS));
	cr_assert(T_WAIT(metric_now(addr, REASON("late", "start_timeout")) >=
	    1, T_WAIT_MS));
	cr_assert_eq(metric_now(addr, REASON("late", "signal")), 0);
#undef REASON
}

Test(scenario_http, an_address_in_use_starts_nothing)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char *log;

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&in, sizeof(in)) == 0 &&
	    listen(fd, 1) == 0 && getsockname(fd, (struct sockaddr *)&in,
	    &len) == 0);
	t_conf(&env, "http = 127.0.0.1:%d\n[worker kv]\ncommand = " CHILD
	    "\n", ntohs(in.sin_port));
	t_supd_spawn(&env);
	cr_assert_eq(t_supd_wait(&env, T_WAIT_MS), 2);
	log = t_read(env.log);
	cr_assert(strstr(log, "cannot listen") != NULL &&
	    strstr(log, "in use") != NULL, "%s", log);
	cr_assert(strstr(log, "child.start") == NULL, "%s", log);
	free(log);
	close(fd);
}

/* --- hostile clients ---------------------------------------------------- */

#define STALLED 200

/*
 * Connections that send half a request and stall, and some that send a
 * whole one and never read the answer: supd still restarts a killed
 * child at once, answers supctl and a normal GET.
 */
Test(scenario_http, stalled_clients_do_not_delay_supervision)
{
	static const char half[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-";
	static const char whole[] = "GET /status HTTP/1.1\r\nHost: x\r\n\r\n";
	int fds[STALLED + 20], n = 0;
	struct http_reply r;
	const char *addr;
	pid_t kv;

	t_conf(&env, LOOPBACK_ANY "[worker kv]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	addr = supd_http();
	kv = t_pid(&env, "kv");
	for (int i = 0; i < STALLED + 20; i++) {
		const char *msg = i < STALLED ? half : whole;
		cr_assert((fds[n] = tcp_connect(addr)) >= 0, "connect %d: %s",
		    i, strerror(errno));
		cr_assert(write(fds[n], msg, strlen(msg)) > 0);
		n++;
	}
	t_kill(kv, SIGKILL);
	cr_assert(T_WAIT(t_pid(&env, "kv") != kv && t_pid(&env, "kv") > 0 &&
	    strcmp(t_state(&env, "kv"), "running") == 0, T_WAIT_MS),
	    "kv was not restarted");
	r = http_get(addr, "/healthz");
	cr_assert_eq(r.status, 200, "%s", r.head);
	reply_free(&r);
	cr_assert_eq(metric_now(addr, "sup_child_restarts_total{name=\"kv\","
	    "group=\"root\"}"), 1);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	cr_assert(t_supd_alive(&env));
}

/* --- a real Prometheus --------------------------------------------------- */

/* A free loopback port (free when this returns: a race we can live with,
 * as the port is not one anyone else picks on purpose). */
static int
free_port(void)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(bind(fd, (struct sockaddr *)&in, sizeof(in)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&in, &len) == 0);
	close(fd);
	return ntohs(in.sin_port);
}

/* Starts prometheus scraping target every second; its HTTP address
 * into web. It carries SUP_TEST_DIR: the teardown finds it. */
static pid_t
prometheus_start(const char *target, char *web, size_t n)
{
	char conf[256], data[256], flag_conf[300], flag_data[300];
	char flag_web[96];
	char logp[256];
	FILE *f;
	pid_t pid;

	t_path(&env, "prometheus.yml", conf, sizeof(conf));
	t_path(&env, "prometheus-data", data, sizeof(data));
	t_path(&env, "prometheus.log", logp, sizeof(logp));
	cr_assert_not_null(f = fopen(conf, "w"));
	fprintf(f, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
	    "  evaluation_interval: 1s\nscrape_configs:\n  - job_name: sup\n"
	    "    static_configs:\n      - targets: ['%s']\n", target);
	fclose(f);
	snprintf(web, n, "127.0.0.1:%d", free_port());
	snprintf(flag_conf, sizeof(flag_conf), "--config.file=%s", conf);
	snprintf(flag_data, sizeof(flag_data), "--storage.tsdb.path=%s", data);
	snprintf(flag_web, sizeof(flag_web), "--web.listen-address=%s", web);
	cr_assert((pid = fork()) >= 0);
	if (pid == 0) {
		int log = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644);
		setenv("SUP_TEST_DIR", env.dir, 1);
		dup2(log, 1);
		dup2(log, 2);
		execlp("prometheus", "prometheus", flag_conf, flag_data,
		    flag_web, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* The value of the first series an instant query returns; -1: none. */
static double
prom_query(const char *web, const char *query)
{
	char target[512];
	struct http_reply r;
	json_t *j, *v;
	double val = -1;

	snprintf(target, sizeof(target), "/api/v1/query?query=%s", query);
	r = http_req(web, "GET", target, "1.0");
	if (r.status == 200 && (j = json_loads(r.body, 0, NULL)) != NULL) {
		v = json_array_get(json_object_get(json_array_get(
		    json_object_get(json_object_get(j, "data"), "result"), 0),
		    "value"), 1);
		if (json_is_string(v))
			val = strtod(json_string_value(v), NULL);
		json_decref(j);
	}
	reply_free(&r);
	return val;
}

Test(scenario_http, prometheus_scrapes_supd_and_sees_a_restart, .timeout = 60)
{
	static const char restarts[] = "sup_child_restarts_by_reason_total"
	    "%7Bname%3D%22kv%22%2Creason%3D%22signal%22%7D";
	char web[64], plog[256];
	const char *addr;
	double before;
	pid_t prom;

	need_prometheus();
	t_conf(&env, LOOPBACK_ANY "[worker kv]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	addr = supd_http();
	prom = prometheus_start(addr, web, sizeof(web));
	t_path(&env, "prometheus.log", plog, sizeof(plog));
	/* Asked ten times a second: it scrapes once a second. */
	cr_assert(T_WAIT((t_sleep_ms(100), prom_query(web, "up") == 1),
	    30000), "prometheus never saw supd up; its log:\n%s",
	    t_read(plog));
	before = prom_query(web, restarts);
	cr_assert_eq(before, 0, "the counter starts at 0");
	t_kill(t_pid(&env, "kv"), SIGKILL);
	cr_assert(T_WAIT((t_sleep_ms(100), prom_query(web, restarts) >
	    before), 20000), "prometheus never saw the restart; its log:\n%s",
	    t_read(plog));
	t_kill(prom, SIGKILL);
	waitpid(prom, NULL, 0);
}

/* A re-exec serves again; a reload moves the endpoints to the new
 * address and counts itself in sup_supd_reloads_total. */
Test(scenario_http, endpoints_follow_a_reexec_and_a_reload)
{
	struct http_reply r;
	char conf[256], want[64];
	int port = free_port();

	t_conf(&env, LOOPBACK_ANY "[worker kv]\ncommand = " CHILD "\n");
	t_supd_start(&env);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reexec", NULL), 0);
	r = http_get(supd_http(), "/readyz");
	cr_assert_eq(r.status, 200, "%s", r.head);
	reply_free(&r);
	snprintf(conf, sizeof(conf), "http = 127.0.0.1:%d\n[worker kv]\n"
	    "command = " CHILD "\n", port);
	t_conf(&env, "%s", conf);
	cr_assert_eq(t_ctl(&env, NULL, NULL, "reload", NULL), 0);
	snprintf(want, sizeof(want), "127.0.0.1:%d", port);
	cr_assert_str_eq(supd_http(), want);
	cr_assert_eq(metric_now(want, "sup_supd_reloads_total"), 1);
}
