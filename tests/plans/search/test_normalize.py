"""normalize.variant_starts: finding a normalised term in the original text equals normalising the text first."""

from hypothesis import given, settings
from hypothesis import strategies as st

from plans.search.normalize import normalise, variant_starts

# Characters and their variants: traditional and simplified, full-width and half-width, upper and lower case,
# the ideographic space and a plain one, break characters of both widths.
ALPHABET = "科技術术金融经經濟济啊ＡAaｂbB　 。！!？?；;\n&＆"


def find_every(text: str, term: str) -> list[int]:
    found, start = [], text.find(term)
    while start >= 0:
        found.append(start)
        start = text.find(term, start + 1)
    return found


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60), st.text(alphabet=ALPHABET, min_size=1, max_size=4))
def test_occurrences_equal_str_find_on_the_normalised_text(text, term):
    assert variant_starts(text, term) == find_every(normalise(text), normalise(term))


def test_overlapping_and_empty():
    assert variant_starts("啊啊啊", "啊啊") == [0, 1]
    assert variant_starts("數字經濟与数字经济", "数字经济") == [0, 5]
    assert variant_starts("ＡＢＣ abc", "ABC") == [0, 4]
    assert variant_starts("任何文字", "") == []


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET + "𠀀😀𠁞", max_size=40))
def test_variant_kinds_are_the_kinds_of_the_characters_that_normalise_to_another(text):
    """variant_kinds equals a character-by-character reading of the table (𠁞, outside the BMP, folds too)."""
    from plans.search.normalize import _kind, _table, variant_kinds

    table = _table()
    truth = 0
    for ch in text:
        if ord(ch) in table:
            truth |= _kind(ch)
    assert variant_kinds(text) == truth


def test_a_term_needs_only_the_kinds_of_its_other_forms():
    from plans.search.normalize import (
        FULL_WIDTH,
        TRADITIONAL,
        UPPER_CASE,
        term_variant_kinds,
        variant_forms,
        variant_kinds,
    )

    assert term_variant_kinds(variant_forms("科技金融")[1]) == 0
    assert term_variant_kinds(variant_forms("营商环境")[1]) == TRADITIONAL
    assert term_variant_kinds(variant_forms("5g")[1]) == FULL_WIDTH | UPPER_CASE
    assert variant_kinds("《发展》，GDP") == FULL_WIDTH | UPPER_CASE  # 《》 are not folded; ， is
    assert variant_kinds("发展𠁞") == TRADITIONAL
