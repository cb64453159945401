#!/usr/bin/env bash
# Installs the real components the integration tests drive (see /work/shared/real-kube-apiserver.md):
#   - Alertmanager 0.25 from Debian (prometheus-alertmanager)  -> /usr/bin/prometheus-alertmanager
#   - etcd 3.4 from Debian (etcd-server)                       -> /usr/bin/etcd
#   - kube-apiserver v1.20.2 built from Debian's kubernetes source package
#                                                               -> /var/cache/kubetriage/bin/kube-apiserver
# The kube-apiserver binary is cached under /var/cache/kubetriage/kube-apiserver/<debian-version>/,
# so a second run on the same machine skips the ~5 minute build.
#
# Outside CI (CI != "true") a machine without apt-get or root gets a warning and exit 0: the
# integration tests then skip. With CI=true every failure exits non-zero.
set -euo pipefail

CACHE_ROOT="${KUBETRIAGE_CACHE:-/var/cache/kubetriage}"
BIN_DIR="$CACHE_ROOT/bin"
STRICT=false
[ "${CI:-}" = "true" ] && STRICT=true

log() { echo "[install-real-components] $*" >&2; }

unavailable() {
  if $STRICT; then
    log "ERROR: $*"
    exit 1
  fi
  log "WARNING: $* -- skipping; the real-component integration tests will be skipped."
  exit 0
}

command -v apt-get >/dev/null 2>&1 || unavailable "apt-get is not available (this script needs Debian bookworm)"
[ "$(id -u)" = "0" ] || unavailable "must run as root to apt-get install packages"

export DEBIAN_FRONTEND=noninteractive

# Never let package maintainer scripts start services (etcd on :2379, alertmanager on :9093):
# the tests start their own instances on free ports. Respect an existing policy-rc.d.
CREATED_POLICY=false
cleanup() {
  if $CREATED_POLICY; then rm -f /usr/sbin/policy-rc.d; fi
  if [ -n "${WORK_TMP:-}" ] && [ -d "$WORK_TMP" ]; then rm -rf "$WORK_TMP"; fi
}
trap cleanup EXIT
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  CREATED_POLICY=true
fi

PACKAGES=(
  prometheus-alertmanager etcd-server golang-go rsync openssl make tar xz-utils ca-certificates
  golang-github-modern-go-reflect2-dev golang-github-json-iterator-go-dev
)

log "apt-get update"
apt-get update -qq
log "apt-get install ${PACKAGES[*]}"
apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null

# Debian's units for these packages would otherwise hold the default ports; stop them if a
# service manager started them anyway (e.g. a machine without policy-rc.d on systemd).
for svc in prometheus-alertmanager etcd; do
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$svc" ]; then
    "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
  fi
done

# ---------------------------------------------------------------------------------------------
# kube-apiserver from Debian's kubernetes source package
# ---------------------------------------------------------------------------------------------
# A private apt configuration with deb-src lines for the same suites the machine uses, so the
# machine's own apt setup stays untouched.
APT_SRC="$CACHE_ROOT/apt-src"
mkdir -p "$APT_SRC/lists/partial" "$APT_SRC/sources.list.d" "$BIN_DIR"
CODENAME="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
SIGNED=""
[ -f "$KEYRING" ] && SIGNED="[signed-by=$KEYRING] "
{
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT) $(TARGET_OF)' 2>/dev/null |
    awk -v c="$CODENAME" '$4 == "deb" && $2 ~ "^"c && $3 == "main" { print $1, $2 }' | sort -u |
    while read -r uri suite; do echo "deb-src ${SIGNED}${uri} ${suite} main"; done
} >"$APT_SRC/sources.list.new"
if [ ! -s "$APT_SRC/sources.list.new" ]; then
  {
    echo "deb-src ${SIGNED}http://deb.debian.org/debian $CODENAME main"
    echo "deb-src ${SIGNED}http://deb.debian.org/debian $CODENAME-updates main"
    echo "deb-src ${SIGNED}http://deb.debian.org/debian-security $CODENAME-security main"
  } >"$APT_SRC/sources.list.new"
fi
mv "$APT_SRC/sources.list.new" "$APT_SRC/sources.list"
APT_SRC_OPTS=(
  -o "Dir::Etc::SourceList=$APT_SRC/sources.list"
  -o "Dir::Etc::SourceParts=$APT_SRC/sources.list.d"
  -o "Dir::State::Lists=$APT_SRC/lists"
  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
)
log "apt-get update (private deb-src config in $APT_SRC)"
apt-get "${APT_SRC_OPTS[@]}" update -qq

KUBE_VERSION="$(apt-cache "${APT_SRC_OPTS[@]}" showsrc kubernetes 2>/dev/null |
  awk '/^Version:/ { print $2 }' | sort -V | tail -n1)"
[ -n "$KUBE_VERSION" ] || { log "ERROR: no kubernetes source package found via $APT_SRC/sources.list"; exit 1; }
KEY="$(echo "$KUBE_VERSION" | tr ':~+' '_._')"
BUILD_DIR="$CACHE_ROOT/kube-apiserver/$KEY"
CACHED_BIN="$BUILD_DIR/kube-apiserver"

if [ -x "$CACHED_BIN" ] && "$CACHED_BIN" --version >/dev/null 2>&1; then
  log "kube-apiserver for Debian kubernetes $KUBE_VERSION already cached: $CACHED_BIN"
else
  log "building kube-apiserver from Debian kubernetes $KUBE_VERSION (about 5 minutes on 2 cores)"
  start=$(date +%s)
  WORK_TMP="$(mktemp -d "${TMPDIR:-/tmp}/kubetriage-kube-build.XXXXXX")"
  SRC_DL="$CACHE_ROOT/kube-apiserver/src-$KEY"
  mkdir -p "$SRC_DL"
  if ! ls "$SRC_DL"/kubernetes_*.orig.tar.* >/dev/null 2>&1; then
    (cd "$SRC_DL" && apt-get "${APT_SRC_OPTS[@]}" -o APT::Sandbox::User=root source --download-only -qq "kubernetes=$KUBE_VERSION")
  fi
  ORIG="$(ls "$SRC_DL"/kubernetes_*.orig.tar.* | head -n1)"
  log "unpacking $ORIG"
  mkdir -p "$WORK_TMP/src"
  tar -xf "$ORIG" -C "$WORK_TMP/src" --strip-components=1
  cd "$WORK_TMP/src"
  [ -f Makefile ] && [ -d vendor ] || { log "ERROR: unexpected layout of $ORIG"; exit 1; }

  # Without this swap the server builds but panics at runtime under Go >= 1.18.
  for lib in github.com/modern-go/reflect2 github.com/json-iterator/go; do
    src="/usr/share/gocode/src/$lib"
    [ -d "$src" ] || { log "ERROR: $src missing (Debian -dev package not installed?)"; exit 1; }
    rm -rf "vendor/$lib"
    mkdir -p "vendor/$lib"
    cp -a "$src/." "vendor/$lib/"
    find "vendor/$lib" -name '*_test.go' -delete
    log "swapped vendor/$lib with Debian's $src"
  done

  export GOPROXY=off CGO_ENABLED=0 GOTOOLCHAIN=local
  export GOCACHE="$WORK_TMP/gocache" GOPATH="$WORK_TMP/gopath"
  # The kube build scripts need the tree to look like a git checkout or a versioned tarball.
  export KUBE_GIT_VERSION="v1.20.2" KUBE_GIT_TREE_STATE=clean KUBE_GIT_MAJOR=1 KUBE_GIT_MINOR=20
  make WHAT=cmd/kube-apiserver >"$WORK_TMP/build.log" 2>&1 || {
    tail -n 60 "$WORK_TMP/build.log" >&2
    log "ERROR: make WHAT=cmd/kube-apiserver failed"
    exit 1
  }
  built="$(find _output -type f -name kube-apiserver -perm -u+x | head -n1)"
  [ -n "$built" ] || { log "ERROR: build produced no kube-apiserver binary"; exit 1; }
  mkdir -p "$BUILD_DIR"
  cp "$built" "$CACHED_BIN.tmp"
  mv "$CACHED_BIN.tmp" "$CACHED_BIN"
  cd /
  log "built kube-apiserver in $(( $(date +%s) - start ))s"
fi
ln -sfn "$CACHED_BIN" "$BIN_DIR/kube-apiserver"
"$BIN_DIR/kube-apiserver" --version >/dev/null

ALERTMANAGER="$(command -v prometheus-alertmanager)"
ETCD="$(command -v etcd || echo /usr/bin/etcd)"
cat >"$BIN_DIR/paths.env" <<EOF
KUBE_APISERVER=$BIN_DIR/kube-apiserver
ETCD=$ETCD
ALERTMANAGER=$ALERTMANAGER
KUBE_DEBIAN_VERSION=$KUBE_VERSION
EOF

echo "kube-apiserver: $BIN_DIR/kube-apiserver -> $CACHED_BIN ($("$CACHED_BIN" --version))"
echo "etcd:           $ETCD ($("$ETCD" --version 2>/dev/null | head -n1))"
echo "alertmanager:   $ALERTMANAGER ($("$ALERTMANAGER" --version 2>&1 | head -n1))"
echo "paths recorded in $BIN_DIR/paths.env"
