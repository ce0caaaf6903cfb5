from __future__ import annotations

import datetime as dt

from wagtail.models import Page, Site

from portal.models import GuidancePage, HomePage, NoticeIndexPage, NoticePage


def test_migrations_install_the_home_page_as_site_root(db):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    assert not Page.objects.filter(depth=2, content_type__model="page").exists()


def test_home_lists_latest_notices_and_guides(client, db):
    home = HomePage.objects.get()
    index = home.add_child(instance=NoticeIndexPage(title="通知公告", slug="notices"))
    index.add_child(
        instance=NoticePage(
            title="第一号通知", slug="n1", date=dt.date(2022, 9, 26), body="<p>正文</p>"
        )
    )
    draft = NoticePage(title="草稿通知", slug="n2", body="<p>x</p>", live=False)
    index.add_child(instance=draft)
    home.add_child(instance=GuidancePage(title="报告提交指南", slug="guide", body="<p>指南</p>"))

    body = client.get("/").content.decode()
    assert "第一号通知" in body
    assert "报告提交指南" in body
    assert "草稿通知" not in body

    listing = client.get("/notices/").content.decode()
    assert "第一号通知" in listing and "草稿通知" not in listing
    detail = client.get("/notices/n1/").content.decode()
    assert "2022年9月26日" in detail


def test_unknown_page_is_a_chinese_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()
