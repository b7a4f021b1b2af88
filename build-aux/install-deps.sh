#!/bin/sh
# Install everything libgtempfile needs to build and to run its whole test
# suite on Debian 12 / Ubuntu 22.04 or newer.  Run as root or with sudo.
#
#   build-aux/install-deps.sh            install the packages
#   build-aux/install-deps.sh --check    only report what is missing (exit 1 if any)
set -eu

packages="
  build-essential pkg-config meson ninja-build
  libglib2.0-dev libglib2.0-dev-bin libglib2.0-bin
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0
  valac gjs python3 python3-gi
  gi-docgen gettext locales
  valgrind clang libclang-rt-14-dev
  util-linux passwd
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 mingw-w64-tools libz-mingw-w64-dev
  wine64 dpkg-dev debian-archive-keyring
"

missing=""
for p in $packages; do
  if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing="$missing $p"
  fi
done

if [ "${1:-}" = "--check" ]; then
  if [ -n "$missing" ]; then
    echo "missing packages:$missing" >&2
    exit 1
  fi
  echo "all build and test dependencies are installed"
  exit 0
fi

if [ -n "$missing" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
  else
    echo "install-deps: need root or sudo to install:$missing" >&2
    exit 1
  fi
  echo "install-deps: installing:$missing"
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -q -y --no-install-recommends $missing
fi

# Locales the translation tests switch to.
if command -v locale >/dev/null 2>&1; then
  for loc in de_DE.UTF-8 fr_FR.UTF-8; do
    norm=$(echo "$loc" | sed 's/UTF-8/utf8/')
    if ! locale -a 2>/dev/null | grep -qx "$norm"; then
      if [ "$(id -u)" -eq 0 ]; then as_root=""; else as_root="sudo"; fi
      if [ -f /etc/locale.gen ] && ! grep -q "^$loc UTF-8" /etc/locale.gen; then
        echo "$loc UTF-8" | $as_root tee -a /etc/locale.gen >/dev/null
      fi
      $as_root locale-gen >/dev/null
    fi
  done
fi
echo "install-deps: done"
