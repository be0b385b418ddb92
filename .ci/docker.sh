#!/usr/bin/env bash
# Make a Docker engine reachable for tests/docker: reuse a running one, else install Debian's docker.io
# (when dockerd is missing) and start dockerd with overlay2 when the kernel mounts overlayfs here (layers are
# shared: image builds copy nothing), else with vfs, which works without overlayfs support inside containers
# and CI sandboxes. DOCKERD_STORAGE_DRIVER forces one. Idempotent; prints what it did. Needs root to start.
set -euo pipefail

LOG=${DOCKERD_LOG:-/tmp/dockerd.log}
WAIT_SECONDS=${DOCKERD_WAIT_SECONDS:-60}

# The Docker tests build their image from busybox-static's httpd (no registry is reachable).
if ! dpkg -s busybox-static >/dev/null 2>&1; then
    echo "docker.sh: installing busybox-static for the test image"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends busybox-static >/dev/null
fi

if docker info >/dev/null 2>&1; then
    echo "docker.sh: engine already reachable ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))"
    exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
    echo "docker.sh: dockerd missing, installing docker.io with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null
fi

if [ "$(id -u)" != 0 ]; then
    echo "docker.sh: not root, cannot start dockerd" >&2
    exit 1
fi

DRIVER=${DOCKERD_STORAGE_DRIVER:-}
if [ -z "$DRIVER" ]; then
    mkdir -p /var/lib/docker
    probe=$(mktemp -d /var/lib/docker/overlay-probe.XXXXXX)
    mkdir -p "$probe"/{lower,upper,work,merged}
    DRIVER=vfs
    if mount -t overlay overlay -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" \
        "$probe/merged" 2>/dev/null; then
        umount "$probe/merged"
        DRIVER=overlay2
    fi
    rm -rf "$probe"
fi

echo "docker.sh: starting dockerd --storage-driver=$DRIVER (log: $LOG)"
nohup dockerd --storage-driver="$DRIVER" >"$LOG" 2>&1 &
echo "$!" >/tmp/dockerd.pid

for _ in $(seq 1 "$WAIT_SECONDS"); do
    if docker info >/dev/null 2>&1; then
        echo "docker.sh: engine up ($(docker info --format '{{.ServerVersion}}'), pid $(cat /tmp/dockerd.pid))"
        exit 0
    fi
    sleep 1
done
echo "docker.sh: dockerd did not answer within ${WAIT_SECONDS}s; last log lines:" >&2
tail -n 30 "$LOG" >&2
exit 1
