"""First paint of the status page with 1000 rules (goal <= 300 ms), against a peer measured in the same run.

Ours: `python -m provider serve` on a DuckDB file holding one load balancer, a listener with --rules rules
(each 95/5 between two groups), and a minute of `requests` rows so that every rule shows observed shares.
The peer: the very same HTML bytes saved to a file and served by Starlette's StaticFiles (in its own uvicorn
process), so the ratio is what rendering the page from live state costs over serving it ready-made.

Both are loaded in the same headless Chromium (Debian's chromium + chromedriver) with the cache off, alternating,
--rounds times each. First paint is the Paint Timing API's `first-contentful-paint` (from navigation start, so it
includes the server's answer); the server's share is the Navigation Timing responseEnd.

    .venv/bin/python bench/ui_first_paint.py [--rules 1000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.chrome import CHROMEDRIVER, CHROMIUM, chrome  # noqa: E402
from tests.support.clients import get_bytes  # noqa: E402
from tests.support.processes import free_port, start_server, stop_process  # noqa: E402
from tests.support.status_page import many_rules  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402

_TIMING = """
const paint = performance.getEntriesByName("first-contentful-paint")[0];
const nav = performance.getEntriesByType("navigation")[0];
return paint ? [paint.startTime, nav.responseEnd, nav.transferSize] : null;
"""

_PEER = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
app = Starlette(routes=[Mount("/ui", StaticFiles(directory=sys.argv[1], html=True))])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def first_paint(driver: Any, url: str) -> tuple[float, float, int]:
    driver.get(url)
    timing: list[float] | None = None
    deadline = time.monotonic() + 10
    while timing is None and time.monotonic() < deadline:
        timing = driver.execute_script(_TIMING)
    if timing is None:
        raise RuntimeError(f"{url}: no first-contentful-paint entry within 10 s")
    return timing[0], timing[1], int(timing[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rules", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        sys.exit("needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver")
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        many_rules(tmp / "state.duckdb", args.rules)
        ours = start_server(tmp, process=True)
        peer_dir = tmp / "peer"
        peer_dir.mkdir()
        page = get_bytes(ours.url + "/ui/")
        (peer_dir / "index.html").write_bytes(page)
        (peer_dir / "app.js").write_bytes(get_bytes(ours.url + "/ui/app.js"))
        peer_port = free_port()
        peer = subprocess.Popen([sys.executable, "-c", _PEER, str(peer_dir), str(peer_port)])
        driver = chrome(tmp / "profile")
        try:
            wait_for("the peer", lambda: _up(f"http://127.0.0.1:{peer_port}/ui/"), 20)
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
            targets = {"ours": ours.url + "/ui/", "peer": f"http://127.0.0.1:{peer_port}/ui/"}
            for url in targets.values():  # warm-up: imports, first compile, the browser's own start
                first_paint(driver, url)
            samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in targets}
            for _ in range(args.rounds):
                for name, url in targets.items():
                    samples[name].append(first_paint(driver, url))
        finally:
            driver.quit()
            stop_process(peer)
            ours.stop()
    print(f"status page, {args.rules} rules, {len(page) / 1024:.0f} KiB of HTML, {args.rounds} loads each")
    medians = {}
    for name, rows in samples.items():
        paint = statistics.median(r[0] for r in rows)
        response = statistics.median(r[1] for r in rows)
        medians[name] = paint
        print(f"  {name:5} first-contentful-paint median {paint:6.1f} ms (max {max(r[0] for r in rows):6.1f})"
              f"   response end {response:6.1f} ms")  # fmt: skip
    verdict = "meets" if medians["ours"] <= 300 else "MISSES"
    print(f"ratio ours/peer {medians['ours'] / medians['peer']:.2f}x; ours {verdict} the 300 ms goal")


def _up(url: str) -> bool:
    try:
        get_bytes(url)
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
