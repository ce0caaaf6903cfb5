from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from institutions.credit_code import ALPHABET, check_character, validate_credit_code

# Published-format examples whose check characters are valid.
VALID = ["91140802MA0K7Q3L5X", "91140800MA0HK5N1X2", "91140802MA0M2WRT49", "91140881MA0JQ4D340"]


@pytest.mark.parametrize("code", VALID)
def test_it_accepts_valid_codes(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91140802MA0K7Q3L5", "18位"),
        ("91140802MA0K7Q3L5Y", "校验位"),
        ("91140802MA0K7Q3LOX", "不允许的字符"),
    ],
)
def test_it_rejects_bad_codes_in_chinese(code, message):
    with pytest.raises(ValidationError) as e:
        validate_credit_code(code)
    assert message in e.value.messages[0]


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_any_single_character_change_is_caught(body):
    code = body + check_character(body)
    validate_credit_code(code)
    wrong = ALPHABET[(ALPHABET.index(code[5]) + 1) % len(ALPHABET)]
    with pytest.raises(ValidationError):
        validate_credit_code(code[:5] + wrong + code[6:])
