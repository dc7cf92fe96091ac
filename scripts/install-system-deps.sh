#!/usr/bin/env bash
# Install the system packages the tests need (Prometheus + promtool, tmux); a no-op when present.
set -euo pipefail

# command -> Debian package that provides it
declare -A PACKAGE_OF=(
    [prometheus]=prometheus
    [promtool]=prometheus
    [tmux]=tmux
)

packages=()
for tool in "${!PACKAGE_OF[@]}"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        packages+=("${PACKAGE_OF[$tool]}")
    fi
done

if [ "${#packages[@]}" -eq 0 ]; then
    echo "install-system-deps: prometheus, promtool and tmux already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi

mapfile -t unique < <(printf '%s\n' "${packages[@]}" | sort -u)
$SUDO apt-get update
# The prometheus package's post-install tries to start a service; on machines without systemd that
# is refused and the install still succeeds. Tests start their own instances on loopback ports.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${unique[@]}"

for tool in "${!PACKAGE_OF[@]}"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "install-system-deps: $tool still missing after install" >&2
        exit 1
    fi
done
echo "install-system-deps: installed ${unique[*]}"
