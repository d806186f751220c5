#!/bin/sh
# Installs Debian's Chromium and ChromeDriver for the browser tests; no prompts, safe to run twice.
# The tests look for /usr/bin/chromium and /usr/bin/chromedriver (override: RS_CHROMIUM,
# RS_CHROMEDRIVER); under CI (CI set) a missing browser fails the tests instead of skipping them.
set -eu

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    echo "browser: already installed"
else
    export DEBIAN_FRONTEND=noninteractive
    # apt-get update is needed on a fresh machine: before it the lists may be empty.
    apt-get update -q >/dev/null
    # ~130 MB of archives, ~440 MB installed; --no-install-recommends skips desktop extras.
    apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null
fi

# Both must report the same major version, or sessions fail with "session not created".
# (Debian's /usr/bin/chromium wrapper may print a harmless "[: unexpected operator" line
# from its /dev/shm size check on large shm mounts; hence 2>/dev/null.)
browser=$(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')
driver=$(/usr/bin/chromedriver --version | awk '{print $2}')
echo "browser: chromium $browser, chromedriver $driver"
if [ "${browser%%.*}" != "${driver%%.*}" ]; then
    echo "chromium $browser and chromedriver $driver differ: reinstall both" >&2
    exit 1
fi
