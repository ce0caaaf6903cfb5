"""Who gets in: tokens, roles, anonymous 401 on every endpoint, throttles, JSON 404s; the token
page and the api_token command."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.api.tokens import token_issue

pytestmark = pytest.mark.django_db

GETS = [
    ("api_tasks", []),
    ("api_task", [1]),
    ("api_version", [1]),
    ("api_reports", []),
    ("api_report", [1]),
    ("api_buildings", []),
    ("api_building", [1]),
    ("api_schema", []),
]
POSTS = [
    ("api_task_claim_next", []),
    ("api_task_accept", [1]),
    ("api_task_decline", [1]),
    ("api_task_claim", [1]),
    ("api_report_upload", [1]),
    ("api_version_submit", [1]),
]


@pytest.mark.parametrize(("name", "args"), GETS + POSTS)
def test_anonymous_gets_401_in_chinese_everywhere(client, name, args, world):
    url = reverse(name, args=args)
    method = client.get if (name, args) in GETS else client.post
    r = method(url)
    assert r.status_code == 401, r.content
    assert r.json() == {"detail": "身份认证信息未提供。"}


def test_bad_tokens_and_inactive_users_get_401(api, world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    r = client.get(reverse("api_tasks"))
    assert r.status_code == 401 and r.json()["detail"] == "认证令牌无效。"
    key = token_issue(user=world.member_a).key
    world.member_a.is_active = False
    world.member_a.save()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    r = client.get(reverse("api_tasks"))
    assert r.status_code == 401 and r.json()["detail"] == "用户未激活或者已删除。"


def test_a_user_without_a_role_gets_403(personas):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=personas.no_role)}")
    for name in ("api_reports", "api_schema"):
        r = client.get(reverse(name))
        assert r.status_code == 403 and r.json()["detail"] == "您的账号无权使用此接口。"


def test_session_login_works_and_writes_need_csrf(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.member_a)
    assert client.get(reverse("api_tasks")).status_code == 200
    r = client.post(reverse("api_task_accept", args=[world.offered_a.pk]))
    assert r.status_code == 403
    assert r.json()["detail"] == "CSRF 校验失败：请刷新页面后重试；业务系统请改用令牌认证。"


def test_throttle_is_per_user_with_a_chinese_429(api, world, personas, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_user": "3/min", "api_upload": "1/min"},
    }
    a, b = api(world.member_a), api(world.member_b)
    url = reverse("api_tasks")
    assert [a.get(url).status_code for _ in range(3)] == [200, 200, 200]
    r = a.get(url)
    assert r.status_code == 429 and r.json()["detail"].startswith("请求已被限流。")
    assert int(r["Retry-After"]) > 0
    assert b.get(url).status_code == 200  # another user's budget is untouched


def test_unknown_api_addresses_are_json_404s(api, world):
    a = api(world.member_a)
    for path in (
        "/api/v2/tasks/",
        "/api/v1/nothing/",
        "/api/v1/tasks/abc/",
        "/api/v1/tasks",
        "/api/v1/tasks/%0A/report/",
    ):
        r = a.get(path)
        assert r.status_code == 404 and r["Content-Type"] == "application/json", path
        assert "接口不存在" in r.json()["detail"]
    # Ids longer than a 64-bit column match no route instead of overflowing the driver.
    r = a.get("/api/v1/tasks/99999999999999999999999/")
    assert r.status_code == 404 and "接口不存在" in r.json()["detail"]
    assert a.get("/api/v1/tasks/999999999999999999/").status_code == 404


def test_token_page_shows_rotates_and_revokes_the_own_token(client, world, personas):
    url = reverse("api_token")
    client.force_login(world.member_a)
    r = client.get(url)
    assert r.status_code == 200 and "您还没有 API 令牌" in r.content.decode()
    assert "no-store" in r["Cache-Control"]
    client.post(url, {"action": "rotate"})
    first = Token.objects.get(user=world.member_a).key
    assert first in client.get(url).content.decode()
    client.post(url, {"action": "rotate"})
    second = Token.objects.get(user=world.member_a).key
    assert second != first
    old = APIClient()
    old.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert old.get(reverse("api_tasks")).status_code == 401
    client.post(url, {"action": "revoke"})
    assert not Token.objects.filter(user=world.member_a).exists()
    # Bureau staff have the page too; reviewers and the public do not.
    client.force_login(personas.county_bureau)
    assert client.get(url).status_code == 200
    client.force_login(personas.reviewer)
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_token_page_needs_csrf(world):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.member_a)
    assert csrf_client.post(reverse("api_token"), {"action": "rotate"}).status_code == 403
    assert not Token.objects.filter(user=world.member_a).exists()


def test_api_token_command(world, personas, capsys):
    call_command("api_token", world.member_a.username)
    key = capsys.readouterr().out.strip()
    assert key == Token.objects.get(user=world.member_a).key
    call_command("api_token", world.member_a.username)
    assert capsys.readouterr().out.strip() == key  # shown again, not replaced
    call_command("api_token", world.member_a.username, "--rotate")
    rotated = capsys.readouterr().out.strip()
    assert rotated != key and rotated == Token.objects.get(user=world.member_a).key
    call_command("api_token", world.member_a.username, "--revoke")
    assert not Token.objects.filter(user=world.member_a).exists()
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("api_token", "nobody")
    with pytest.raises(CommandError, match="没有门户角色"):
        call_command("api_token", personas.no_role.username)


def test_role_matrix_of_the_read_endpoints(api, personas, world):
    """One table for the API's part of the authorization matrix (scope is tested per area)."""
    matrix = {
        # endpoint: (firm, city bureau, county bureau, reviewer, admin)
        "api_tasks": (200, 403, 403, 403, 403),
        "api_reports": (200, 200, 200, 200, 200),
        "api_buildings": (403, 200, 200, 403, 200),
        "api_schema": (200, 200, 200, 200, 200),
    }
    users = (
        world.member_a,
        personas.city_bureau,
        personas.county_bureau,
        personas.reviewer,
        personas.admin,
    )
    for name, expected in matrix.items():
        got = tuple(api(user).get(reverse(name)).status_code for user in users)
        assert got == expected, name


def test_api_answers_are_not_cached(api, world):
    r = api(world.member_a).get(reverse("api_tasks"))
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]
    assert "Authorization" in r["Vary"]


def test_seed_demo_gives_the_demo_accounts_tokens_once(db):
    from portal.api.demo import seed_demo
    from portal.demo import build_firms, build_users

    build_users(build_firms())
    first = seed_demo()
    assert set(first) == {"firm", "firm2", "bureau", "bureau_yanhu"}
    assert seed_demo() == first
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first['firm']}")
    assert client.get(reverse("api_tasks")).status_code == 200


def test_a_bug_is_a_logged_json_500_not_the_html_page(api, world, monkeypatch, caplog):
    from portal.api.views import tasks

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(tasks, "firm_queue", broken)
    r = api(world.member_a).get(reverse("api_tasks"))
    assert r.status_code == 500
    assert r.json() == {"detail": "服务器内部错误，已记录，请稍后重试。"}
    assert any(rec.exc_info and "boom" in str(rec.exc_info[1]) for rec in caplog.records)
