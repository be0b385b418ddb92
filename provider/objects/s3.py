"""S3 objects on an S3-compatible server (``--s3-endpoint-url``: MinIO, LocalStack, moto), through boto3's S3
client, made on first use so that start-up does not import boto3. Credentials come from the usual chain (the
environment, a profile); with none, LocalStack's ``test``/``test``, which moto and LocalStack take (they refuse
unsigned reads of private objects)."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from provider.objects.local import LOCATION_SECONDS

_MISSING = {"NoSuchKey", "NoSuchBucket", "NoSuchVersion", "404", "403", "AccessDenied", "InvalidArgument"}


class S3Objects:
    def __init__(self, endpoint_url: str, region: str) -> None:
        self.endpoint_url, self.region = endpoint_url, region
        self._lock = threading.Lock()

    @cached_property
    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        with self._lock:
            session = boto3.session.Session()
            if session.get_credentials() is None:
                session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test")
            config = Config(s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=10,
                            retries={"max_attempts": 2})
            return session.client("s3", endpoint_url=self.endpoint_url, region_name=self.region, config=config)

    def read(self, bucket: str, key: str, version: str | None = None) -> bytes | None:
        """The object's bytes; None when the server has no such bucket, key or version (or refuses it)."""
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))
            data: bytes = answer["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        return data

    def has_bucket(self, bucket: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_bucket(Bucket=bucket)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    def location(self, bucket: str, key: str, version: str | None = None) -> str:
        """A presigned GET of the object, for ten minutes (as AWS answers)."""
        params = {"Bucket": bucket, "Key": key} | ({"VersionId": version} if version else {})
        url: str = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=LOCATION_SECONDS)
        return url

    def write(self, bucket: str, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=bucket, Key=key, Body=data)
