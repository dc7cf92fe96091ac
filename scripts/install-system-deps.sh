#!/usr/bin/env bash
# Install the system packages the tests need (a real Prometheus and promtool); a no-op when present.
set -euo pipefail

missing=0
for tool in prometheus promtool; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        missing=1
    fi
done

if [ "$missing" -eq 0 ]; then
    echo "install-system-deps: prometheus and promtool already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi

$SUDO apt-get update
# The package's post-install tries to start a service; on machines without systemd that is refused
# and the install still succeeds. Tests start their own instances on loopback ports.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y prometheus

for tool in prometheus promtool; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "install-system-deps: $tool still missing after install" >&2
        exit 1
    fi
done
echo "install-system-deps: installed $(prometheus --version 2>&1 | head -n 1)"
