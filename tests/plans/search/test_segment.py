"""The word segmenter: rjieba yields exactly jieba's tokens (user dictionary included); normalisation."""

from pathlib import Path

import pytest

from plans.search.normalize import normalise, variant_starts
from plans.search.segment import load_jieba, load_rjieba, user_terms, words
from tests.plans.search.corpus import SENTENCES

SEEDS = sorted((Path(__file__).resolve().parents[3] / "seeds").glob("*.txt"))


@pytest.mark.parametrize("text", [p.read_text(encoding="utf-8") for p in SEEDS] + ["".join(SENTENCES)])
def test_rjieba_cuts_like_jieba_with_the_user_dictionary(text):
    rjieba = load_rjieba()
    assert rjieba is not None, "rjieba is a pinned dependency"
    normalised = normalise(text)
    assert rjieba.cut(normalised, False) == list(load_jieba().cut(normalised, HMM=False))


def test_user_dictionary_terms_stay_whole():
    for term, _ in user_terms():
        assert words(term) == [term], term
    assert words("加快科技成果转化和众创空间建设，深化放管服改革，培育专精特新企业") == [
        "加快", "科技成果转化", "和", "众创空间", "建设", "，", "深化", "放管服", "改革", "，", "培育", "专精特新", "企业",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("raw", "folded"),
    [("科技創新", "科技创新"), ("Ｒ＆Ｄ　５Ｇ", "r&d 5g"), ("發展與改革", "发展与改革"), ("ABC", "abc")],
)
def test_normalise_folds_and_keeps_length(raw, folded):
    assert normalise(raw) == folded
    assert len(normalise(raw)) == len(raw)


def test_normalise_keeps_the_length_of_every_text():
    text = "".join(chr(c) for c in range(0x20, 0x3000)) + "".join(
        p.read_text(encoding="utf-8") for p in SEEDS
    )
    assert len(normalise(text)) == len(text)


def test_word_tokens_are_those_with_a_letter_or_digit_by_pythons_own_rule():
    from plans.search.segment import is_word_token

    assert [chr(c) for c in range(0x110000) if is_word_token(chr(c)) != chr(c).isalnum()] == []
    assert is_word_token("——5G") and not is_word_token("，、_")


def _find_all(haystack: str, needle: str) -> list[int]:
    found, at = [], haystack.find(needle)
    while at >= 0:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


@pytest.mark.parametrize(
    "term",
    ["发展", "發展", "科技", "ai", "ＡＩ", "r&d", "科技科", "aa", "。", "\n", "创新 发展", "[x]", "不存在"],
)
def test_variant_starts_equals_find_on_the_normalised_text(term):
    texts = [p.read_text(encoding="utf-8") for p in SEEDS] + [
        "".join(SENTENCES),
        "發展发展髮展AIaiＡＩ aaaa R&D r＆d 科技科技科 [x] 创新　发展",
    ]
    for text in texts:
        assert variant_starts(text, term) == _find_all(normalise(text), normalise(term)), term
