"""Snippets: matches marked over the original text, whatever width its characters have."""

from __future__ import annotations

from search.highlight import snippet
from search.tokenize import query_terms


def test_full_width_text_matches_a_half_width_query_and_keeps_its_characters():
    text = "二层墙体出现Ｃ级裂缝，１～３轴"
    assert "<mark>Ｃ级</mark>" in snippet({"body": text}, query_terms("c级"), ("body",))
    assert "<mark>１</mark>～３轴" in snippet({"body": "１～３轴墙体"}, query_terms("1"), ("body",))


def test_full_width_punctuation_does_not_hide_a_chinese_match():
    text = "局部墙体：斜裂缝（最大宽度２.５mm）。"
    out = snippet(
        {"conclusion": "未见异常。", "body": text}, query_terms("裂缝"), ("conclusion", "body")
    )
    assert "<mark>裂缝</mark>" in out and out.startswith("局部墙体")


def test_no_match_gives_the_start_of_the_first_group_escaped():
    out = snippet({"body": "<b>墙体完好</b>"}, query_terms("圈梁"), ("conclusion", "body"))
    assert out == "&lt;b&gt;墙体完好&lt;/b&gt;"
