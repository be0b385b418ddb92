"""``GET /objects/<bucket>/<key>``: the local directory's objects at the locations it presigned (a revocation list
of GetTrustStoreRevocationContent); anything else, or an expired location, gets S3's 403."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from provider.objects import LocalObjects, Objects


def routes(objects: Objects) -> list[BaseRoute]:
    if not isinstance(objects, LocalObjects):
        return []  # the S3-compatible server serves its own presigned URLs

    async def get(request: Request) -> Response:
        bucket, key = request.path_params["bucket"], request.path_params["key"]
        q = request.query_params
        version = q.get("versionId")
        if not objects.signed(bucket, key, version, q.get("Expires", ""), q.get("Signature", "")):
            return Response("AccessDenied", status_code=403, media_type="text/plain")
        data = objects.read(bucket, key, version)
        if data is None:
            return Response("NoSuchKey", status_code=404, media_type="text/plain")
        return Response(data, media_type="application/octet-stream")

    return [Route("/objects/{bucket}/{key:path}", get, methods=["GET"])]
