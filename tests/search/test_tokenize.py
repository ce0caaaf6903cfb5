"""Chinese tokens for the database engines: jieba words plus character bigrams."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from search.tokenize import Term, index_tokens, query_terms


def test_two_character_words_are_always_tokens():
    tokens = index_tokens("房屋四周散水开裂，墙体出现斜裂缝，屋盖处未设圈梁，门式钢架锈蚀。")
    for word in ("裂缝", "圈梁", "钢架", "散水"):
        assert word in tokens


def test_ascii_and_chinese_join_into_one_bigram():
    tokens = index_tokens("评定为C 级；裂缝宽度2.5mm，执行JGJ 125-2016")
    assert "c级" in tokens and "25mm" in tokens and "jgj125" in tokens and "2016" in tokens


def test_query_terms():
    assert query_terms("C级 砖混 裂缝") == [
        Term("c级", ("c级",)),
        Term("砖混", ("砖混",)),
        Term("裂缝", ("裂缝",)),
    ]
    assert query_terms("不均匀沉降") == [Term("不均匀沉降", ("不均", "均匀", "匀沉", "沉降"))]
    assert query_terms("梁") == [Term("梁", ("梁",), prefix=True)]
    assert query_terms('"(*&^ OR -') == [Term("or", ("or",))]


@given(st.text(max_size=200))
def test_tokens_hold_only_characters_both_engines_keep_whole(text):
    for token in index_tokens(text) + [t for term in query_terms(text) for t in term.tokens]:
        assert re.fullmatch(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", token), token
