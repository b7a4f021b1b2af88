#!/bin/sh
# Install everything libgtempfile needs to build and to run its whole test
# suite, from the distribution's own packages. Run as root or with sudo.
#
# The build needs GLib >= 2.74 and meson >= 1.0: Debian 12 (bookworm) or
# newer, Ubuntu 23.04 or newer (Ubuntu 22.04 has GLib 2.72 and meson 0.61).
# The versions are checked at the end, so an older release says so at once.
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
  valgrind clang libclang-rt-dev abigail-tools gnome-desktop-testing
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
# What the release has must be new enough.
too_old=""
if ! pkg-config --atleast-version=2.74 glib-2.0 2>/dev/null; then
  too_old="$too_old GLib $(pkg-config --modversion glib-2.0 2>/dev/null || echo '?') (needs 2.74)"
fi
meson_version=$(meson --version 2>/dev/null || echo 0)
case $meson_version in
  0.*) too_old="$too_old meson $meson_version (needs 1.0)" ;;
esac
if [ -n "$too_old" ]; then
  echo "install-deps: this release's packages are too old:$too_old" >&2
  echo "install-deps: use Debian 12, Ubuntu 23.04 or newer" >&2
  exit 1
fi
echo "install-deps: done"
