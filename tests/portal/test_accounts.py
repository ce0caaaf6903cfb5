"""Login, logout and password change, in Chinese."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import TEST_PASSWORD


def test_login_page_is_in_chinese(client, db):
    body = client.get(reverse("login")).content.decode()
    assert "用户名" in body
    assert "密码" in body
    assert 'lang="zh-Hans"' in body


def test_wrong_password_gets_a_chinese_message(client, personas):
    response = client.post(reverse("login"), {"username": "reviewer", "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_login_lands_on_the_role_dashboard(client, personas):
    response = client.post(
        reverse("login"), {"username": "firm_a", "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("firm_dashboard")
    assert "机构工作台" in response.content.decode()


def test_login_does_not_redirect_off_site(client, personas):
    response = client.post(
        reverse("login"),
        {"username": "firm_a", "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert not response.url.startswith("http")


def test_logout_needs_post_and_ends_the_session(client, personas):
    client.force_login(personas.reviewer)
    client.post(reverse("logout"))
    assert client.get(reverse("reviewer_dashboard")).status_code == 302


def test_password_change(client, personas):
    client.force_login(personas.reviewer)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Xq9-new-secret!",
            "new_password2": "Xq9-new-secret!",
        },
        follow=True,
    )
    assert "密码已修改" in response.content.decode()
    personas.reviewer.refresh_from_db()
    assert personas.reviewer.check_password("Xq9-new-secret!")


def test_password_change_rejects_a_weak_password_in_chinese(client, personas):
    client.force_login(personas.reviewer)
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert response.status_code == 200
    assert "密码" in response.content.decode()
    assert "太短" in response.content.decode()
