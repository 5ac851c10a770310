#!/bin/sh
# mk/deps.sh — checks the build dependencies of sup and installs what is
# missing when run as root (Debian 12); otherwise prints the exact command.
#   mk/deps.sh          check, install if root
#   mk/deps.sh --check  check only (exit 1 if something is missing)
set -u

PKGS="gcc make pkg-config libnng-dev libsqlite3-dev libcriterion-dev \
libinih-dev libjansson-dev libsystemd-dev mandoc groff-base prometheus tmux"
# make fuzz also needs clang and its libFuzzer runtime.
[ "${1:-}" = "--fuzz" ] && PKGS="$PKGS clang libclang-rt-14-dev"

missing=""
have_header() { printf '#include <%s>\n' "$1" | cc -E -x c - >/dev/null 2>&1; }
# supd links nng and mbedtls from their static archives (Makefile, NNG_LIBS).
have_archive() { [ "$(cc -print-file-name="$1")" != "$1" ]; }
need() { # package, test...
	pkg=$1; shift
	"$@" >/dev/null 2>&1 || missing="$missing $pkg"
}
need gcc command -v gcc
need make command -v make
need pkg-config command -v pkg-config
need mandoc command -v mandoc
need groff-base command -v groff
# The HTTP tests check GET /metrics with promtool and a real Prometheus.
need prometheus sh -c 'command -v prometheus && command -v promtool'
# The supctl top tests read its screen in a real terminal: tmux's.
need tmux command -v tmux
if command -v cc >/dev/null 2>&1; then
	need libnng-dev have_header nng/nng.h
	need libnng-dev have_archive libnng.a
	need libmbedtls-dev have_archive libmbedtls.a
	need libsqlite3-dev have_header sqlite3.h
	need libcriterion-dev have_header criterion/criterion.h
	need libinih-dev have_header ini.h
	need libjansson-dev have_header jansson.h
	need libsystemd-dev have_header systemd/sd-daemon.h
else
	missing="$PKGS"
fi
if [ "${1:-}" = "--fuzz" ]; then
	need clang command -v clang
	need libclang-rt-14-dev sh -c 'printf "int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }" | clang -fsanitize=fuzzer -x c - -o /dev/null'
fi

[ -z "$missing" ] && exit 0
[ "${1:-}" = "--check" ] && { echo "missing:$missing"; exit 1; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "sup: installing build dependencies:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq $missing >/dev/null ||
		{ echo "sup: apt-get install failed" >&2; exit 1; }
	exit 0
fi
echo "sup: missing build dependencies:$missing" >&2
echo "sup: install them with:  sudo apt-get install -y$missing" >&2
exit 1
