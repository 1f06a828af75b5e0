#!/usr/bin/env bash
# The real peers the tests start and stop on loopback: OpenSSL's CLI (OCSP
# responder, `openssl ca`, s_server), nginx, Apache mod_ssl, HAProxy, Redis
# (TLS client interop), Chromium (renders the HTML report headless), and the
# outbound clients `certwarden probe` is tested against: curl, wget, Python
# (with requests), Java (javac, keytool), gnutls-cli; Prometheus (promtool
# checks `certwarden watch` metrics and alert rules, prometheus scrapes it);
# Caddy (`caddy adapt` reads Caddyfiles for `certwarden audit`, `caddy
# validate` checks its fixes); Tomcat 10 (`certwarden audit`'s server.xml
# fixes are started with catalina.sh; Debian keeps it in /usr/share/tomcat10);
# and PostgreSQL (the CA's shared store; its server binaries live in
# /usr/lib/postgresql/VERSION/bin, not on PATH).
# Run before `npm test` (its pretest step) and by .ci/run.
#
# Missing ones are installed with apt-get when this runs as root on Debian or
# Ubuntu; anywhere else the script names what to install and stops, so a test
# never fails later for a reason a person has to dig out of its output.
# `--bench` also checks the benchmark peers (testssl.sh, wrk, blackbox_exporter).
set -euo pipefail

# command → Debian package
peers=(openssl:openssl nginx:nginx apache2:apache2 haproxy:haproxy redis-server:redis-server chromium:chromium
  curl:curl wget:wget python3:python3 javac:default-jdk-headless keytool:default-jdk-headless gnutls-cli:gnutls-bin
  promtool:prometheus prometheus:prometheus caddy:caddy)
if [ "${1:-}" = "--bench" ]; then peers+=(testssl:testssl.sh wrk:wrk prometheus-blackbox-exporter:prometheus-blackbox-exporter); fi

missing=()
# python3-requests is a module, not a command.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import requests' >/dev/null 2>&1; then missing+=(python3-requests); fi
for p in "${peers[@]}"; do
  cmd="${p%%:*}"
  pkg="${p#*:}"
  # apache2 and nginx live in /usr/sbin, which a non-root PATH may not hold.
  command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || missing+=("$pkg")
done
# Debian keeps postgres off PATH: look where test/helpers/servers/postgres.ts looks.
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
# Tomcat 10 is not on PATH either: test/audit/tomcat-fix.test.ts runs /usr/share/tomcat10/bin/catalina.sh.
# tomcat10-common holds catalina.sh and the jars; the `tomcat10` package adds a
# system service that would start a Tomcat on *:8080 wherever systemd runs.
[ -x /usr/share/tomcat10/bin/catalina.sh ] || missing+=(tomcat10-common)
# One package can provide several commands (javac, keytool): name it once.
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk 'NF && !seen[$0]++')
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "certwarden: installing the test servers: ${missing[*]} (apt-get)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "certwarden: the tests start real servers on loopback and these are missing: ${missing[*]}" >&2
echo "  Debian/Ubuntu: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
exit 1
