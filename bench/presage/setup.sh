#!/usr/bin/env bash
# Install Presage from Debian and compile the benchmark's driver against libpresage.
# Usage: bench/presage/setup.sh [BUILD_DIR]     (default: bench/presage/build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-$here/build}"
if ! dpkg -s presage libpresage-dev libpresage-data >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get install -y -q presage libpresage-dev libpresage-data >/dev/null 2>&1 || {
    $sudo_cmd apt-get update -q >/dev/null
    $sudo_cmd apt-get install -y -q presage libpresage-dev libpresage-data >/dev/null
  }
fi
mkdir -p "$build"
if [ ! -x "$build/presage_driver" ] || [ "$here/driver.cpp" -nt "$build/presage_driver" ]; then
  g++ -O2 -std=c++17 -o "$build/presage_driver" "$here/driver.cpp" -lpresage
fi
echo "$build/presage_driver"
