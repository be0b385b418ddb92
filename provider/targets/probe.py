"""One ALB health check: an HTTP(S) GET of the check path, judged by the success-code matcher.

Raw asyncio streams, not an HTTP client library: the check needs only the status line, and a client with
its own pools, retries or redirects would blur what one probe saw. Like ALB, it does not verify the
target's certificate and does not follow redirects.
"""

from __future__ import annotations

import asyncio
import ssl

from provider.targets.health import Outcome, Probe

USER_AGENT = "ELB-HealthChecker/2.0"  # what ALB sends


def matches(matcher: str, code: int) -> bool:
    """ALB success codes: ``"200"``, ``"200,202"``, ``"200-299"`` (and mixes: ``"200,300-399"``).

    >>> matches("200-299", 204), matches("200,202", 201)
    (True, False)
    """
    for part in matcher.split(","):
        low, _, high = part.strip().partition("-")
        if low.strip().isdigit() and int(low) <= code <= int(high or low):
            return True
    return False


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


async def check(host: str, port: int, path: str, matcher: str, timeout: float, https: bool = False) -> Probe:
    """GET ``path`` on host:port within ``timeout`` seconds (connect included) -> what the probe saw."""
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port, ssl=_insecure() if https else None)
            authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
            request = (
                f"GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: {USER_AGENT}\r\n"
                "Accept: */*\r\nConnection: close\r\n\r\n"
            )
            writer.write(request.encode("latin-1"))
            await writer.drain()
            status_line = await reader.readline()
    except TimeoutError:
        return Probe(Outcome.TIMEOUT)
    except (OSError, ssl.SSLError, UnicodeEncodeError):
        return Probe(Outcome.FAILED)
    finally:
        if writer is not None:
            writer.close()
    parts = status_line.split(maxsplit=2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return Probe(Outcome.FAILED)
    code = int(parts[1])
    return Probe(Outcome.OK, code) if matches(matcher, code) else Probe(Outcome.CODE_MISMATCH, code)
