#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests, only when it is absent.
# (`playwright install` cannot download its own browser builds on these machines; the tests
# point pytest-playwright at /usr/bin/chromium instead.)
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
echo "chromium.sh: installing Debian chromium..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
/usr/bin/chromium --version
