"""``python -m provider.metricsserver <socket>``, its settings in ``ELBV2_*`` variables: started by the server
(process.py), never by hand."""

import logging
import sys

import uvicorn

from provider.metricsserver.server import create_metrics_app
from provider.settings import Settings


def main(socket_path: str, settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet = "debug" if settings.log_level == "debug" else "warning"  # the server already says where it serves
    # Keep-alive as long as the server lives: the relay reuses its connections.
    uvicorn.run(create_metrics_app(settings), uds=socket_path, log_level=quiet, access_log=False,
                timeout_keep_alive=24 * 3600)


if __name__ == "__main__":
    main(sys.argv[1], Settings.from_env())
