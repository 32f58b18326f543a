"""Reading a corpus folder, and the synthetic generator's determinism and spread."""

from collections import Counter

import pytest

from plans.benchmark.corpus import CorpusDoc, paragraphs, read_corpus, region_short_name, synthesize


@pytest.mark.parametrize(
    ("manifest", "short"),
    [("湖北省", "湖北"), ("广西壮族自治区", "广西"), ("北京市", "北京"), ("国务院", "全国"), ("火星", None)],
)
def test_region_short_name(manifest, short):
    assert region_short_name(manifest) == short


def test_read_corpus_takes_metadata_from_the_manifest_and_strips_markers(corpus_dir):
    docs = read_corpus(corpus_dir)
    assert [doc.key for doc in docs] == [1, 2, 3, 4]
    hubei = docs[0]
    assert (hubei.region, hubei.year, hubei.level) == ("湖北", 2017, "provincial")
    assert "二、今年工作安排" in hubei.text and "&" not in hubei.text
    national = docs[3]
    assert (national.region, national.level) == ("全国", "national")


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="MANIFEST.tsv"):
        read_corpus(tmp_path)


def test_synthesis_is_deterministic_for_a_seed(corpus_dir):
    docs = read_corpus(corpus_dir)
    first = [(d.title, d.text, d.region, d.year) for d in synthesize(docs, 30, seed=7)]
    again = [(d.title, d.text, d.region, d.year) for d in synthesize(docs, 30, seed=7)]
    other = [(d.title, d.text, d.region, d.year) for d in synthesize(docs, 30, seed=8)]
    assert first == again
    assert first != other


def test_synthetic_plans_are_unique_real_paragraphs_in_real_positions(corpus_dir):
    docs = read_corpus(corpus_dir)
    real_paragraphs = {para for doc in docs for para in paragraphs(doc.text)}
    openings = {paragraphs(doc.text)[0] for doc in docs}
    plans = list(synthesize(docs, 50, seed=1))
    assert [plan.key for plan in plans] == list(range(1, 51))
    assert len({plan.checksum for plan in plans}) == 50
    for plan in plans:
        paras = paragraphs(plan.text)
        assert set(paras) <= real_paragraphs
        assert paras[0] in openings  # the first tenth of a report comes from first tenths
        assert len(paras) == 7  # every template here has seven paragraphs


def test_regions_and_years_are_spread_like_the_real_ones():
    docs = [  # 2 of 4 reports are 湖北, 1 江西, 1 national; ten distinct paragraphs each
        CorpusDoc(
            key, f"报告{key}", "\n".join(f"第{key}号报告第{i}段。" for i in range(10)), region, year, level
        )
        for key, region, year, level in [
            (1, "湖北", 2017, "provincial"),
            (2, "湖北", 2018, "provincial"),
            (3, "江西", 2017, "provincial"),
            (4, "全国", 2019, "national"),
        ]
    ]
    plans = list(synthesize(docs, 400, seed=3))
    regions = Counter(plan.region for plan in plans)
    assert set(regions) == {"湖北", "江西", "全国"}
    assert regions["湖北"] / 400 == pytest.approx(0.5, abs=0.08)
    assert regions["江西"] / 400 == pytest.approx(0.25, abs=0.08)
    assert {plan.year for plan in plans} == {2017, 2018, 2019}
    assert all(plan.level == "national" for plan in plans if plan.region == "全国")


def test_synthesis_of_nothing_is_refused():
    with pytest.raises(ValueError):
        next(synthesize([], 3))


def test_asking_for_more_distinct_plans_than_the_corpus_can_make_is_refused(corpus_dir):
    docs = read_corpus(corpus_dir)[:1]  # one template: every plan would be the same text
    with pytest.raises(ValueError, match="too small"):
        list(synthesize(docs, 2, seed=1))
