"""The test image, built locally with no registry: busybox-static's httpd in an otherwise empty root filesystem.

`docker import` of a tar holding /bin/busybox and /www/index.html; the container serves /www on port 80.
"""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path

import docker

IMAGE = "elbv2-test-httpd:latest"
BUSYBOX = Path("/bin/busybox")  # Debian's busybox-static: a static binary, runs without a libc in the image


def busybox() -> Path | None:
    """A statically linked busybox on this machine, if any."""
    for candidate in (BUSYBOX, Path(shutil.which("busybox") or "/nonexistent")):
        if candidate.is_file() and b"ld-linux" not in candidate.read_bytes()[:65536]:
            return candidate
    return None


def build(client: docker.DockerClient, binary: Path) -> str:
    """Import the image (once per test session) and return its tag."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        tar.add(binary, arcname="bin/busybox")
        page = b"hello from elbv2-test-httpd\n"
        info = tarfile.TarInfo("www/index.html")
        info.size = len(page)
        tar.addfile(info, io.BytesIO(page))
    client.api.import_image_from_data(
        data.getvalue(),
        repository=IMAGE.split(":")[0],
        tag=IMAGE.split(":")[1],
        changes=['CMD ["/bin/busybox", "httpd", "-f", "-p", "80", "-h", "/www"]'],
    )
    return IMAGE
