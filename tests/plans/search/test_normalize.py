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
