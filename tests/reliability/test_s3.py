"""The storage path against S3 over real HTTP (a moto server on 127.0.0.1): private objects
under server-generated keys, short-lived signed URLs, downloads only through the
permission-checking view."""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from reports.workflow import version_upload
from tests.factories import BureauUserFactory, FirmMemberFactory, county

pytestmark = pytest.mark.django_db

BUCKET = "jianding-reports-test"
EXPIRE = 300
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    import os

    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in (*CREDENTIALS, "AWS_DEFAULT_REGION")}
    os.environ.update(CREDENTIALS, AWS_DEFAULT_REGION="us-east-1")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def s3(s3_endpoint):
    """STORAGES["default"] as production configures it (portal/settings/base.py), at moto."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    if BUCKET not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=BUCKET)
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "testing",
                "secret_key": "testing",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": EXPIRE,
                "file_overwrite": False,
                "addressing_style": "path",
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield client


def _anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - local moto server
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.fixture
def uploaded(s3, report_case):
    data = report_case.render()
    version, created = version_upload(
        task=report_case.task,
        user=report_case.member,
        pdf=SimpleUploadedFile("../../etc/王家报告 final.pdf", data),
    )
    assert created
    return version, data


def test_s3_upload_stores_a_private_object_under_a_server_generated_key(s3, s3_endpoint, uploaded):
    from storages.backends.s3 import S3Storage

    assert isinstance(default_storage._wrapped, S3Storage)
    version, data = uploaded
    key = version.file.name
    assert re.fullmatch(rf"reports/{version.report.task_id}/[0-9a-f]{{32}}\.pdf", key), key
    assert "etc" not in key and "王" not in key
    obj = s3.get_object(Bucket=BUCKET, Key=key)
    assert obj["Body"].read() == data

    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert all(g["Grantee"]["Type"] == "CanonicalUser" for g in grants)
    assert not any("AllUsers" in g["Grantee"].get("URI", "") for g in grants)

    plain = f"{s3_endpoint}/{BUCKET}/{key}"
    assert _anonymous_get(plain) == 403
    # The check can fail: a public object at the same place is readable without a signature.
    s3.put_object(Bucket=BUCKET, Key="control/public.pdf", Body=b"%PDF-", ACL="public-read")
    assert _anonymous_get(f"{s3_endpoint}/{BUCKET}/control/public.pdf") == 200


def test_s3_urls_are_signed_and_short_lived(s3, uploaded):
    version, data = uploaded
    url = default_storage.url(version.file.name)
    query = parse_qs(urlsplit(url).query)
    if "X-Amz-Expires" in query:
        assert int(query["X-Amz-Expires"][0]) <= EXPIRE
        assert "X-Amz-Signature" in query
    else:
        assert "Signature" in query
        assert int(query["Expires"][0]) - time.time() <= EXPIRE + 5
    with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 - local moto server
        assert r.read() == data
    # Without its signature the same URL is refused (moto checks the ACL, not signatures or
    # expiry, so those are asserted on the URL above).
    assert _anonymous_get(url.split("?", 1)[0]) == 403


def test_s3_download_only_through_the_permission_checking_view(client, s3, uploaded, personas):
    version, data = uploaded
    url = reverse("report_file", args=[version.pk])
    client.force_login(version.uploaded_by)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    # The view streams from the store itself: no storage URL leaks into the response.
    assert BUCKET not in "".join(f"{k}: {v}" for k, v in response.items())

    outsiders = [
        FirmMemberFactory(),
        BureauUserFactory(county=county("140821")),
        personas.reviewer,  # the report is not accepted yet
    ]
    for user in outsiders:
        client.force_login(user)
        assert client.get(url).status_code == 404, user
