"""S3 objects as this provider reads and writes them: trust-store bundles and revocation lists are read, ALB
access-log files written. On an S3-compatible server when ``--s3-endpoint-url`` names one (``s3.S3Objects``),
else in a local directory laid out as ``<bucket>/<key>`` (``local.LocalObjects``)."""

from __future__ import annotations

from provider.objects.local import LocalObjects
from provider.objects.s3 import S3Objects
from provider.settings import Settings

Objects = LocalObjects | S3Objects


def open_objects(settings: Settings) -> Objects:
    """The S3-compatible server when there is one, else the ALB log directory (its locations on this server)."""
    if settings.s3_endpoint_url:
        return S3Objects(settings.s3_endpoint_url, settings.region)
    return LocalObjects(settings.alb_log_path, settings.base_url)


__all__ = ["LocalObjects", "Objects", "S3Objects", "open_objects"]
