# Shared by scripts/demo and scripts/test: install what the portal needs on a fresh machine.
# Sourced, not executed.

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "Need root to run: $*" >&2; return 1; fi
}

apt_install() {
  # Install Debian packages that are missing; `apt-get update` only when something is needed.
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

ensure_system_packages() {
  # WeasyPrint renders through Pango and subsets fonts with HarfBuzz (it warns without it);
  # the fonts themselves ship in static/fonts.
  command -v dpkg >/dev/null 2>&1 || return 0
  apt_install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
}

ensure_chromium() {
  # Browser journeys drive Debian's chromium through Playwright; no browser is downloaded.
  [ -x /usr/bin/chromium ] || apt_install chromium
}

ensure_venv() {
  # (Re)install the pinned dependencies when the lock file changed since the last install.
  local lock=$1 stamp=.venv/.installed-lock
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  local want
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -r "$lock"
    echo "$want" > "$stamp"
  fi
}

ensure_postgres() {
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && return 0
  if [ ! -d /etc/postgresql ]; then
    apt_install postgresql
    # Local trust authentication, as on the project's test machines.
    local hba
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf)
    as_root sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
  echo "PostgreSQL did not start" >&2; return 1
}

ensure_redis() {
  if command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    return 0
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0; sleep 1; done
  echo "Redis did not start" >&2; return 1
}
