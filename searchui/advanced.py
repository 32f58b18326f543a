"""The advanced-search form: fields a researcher fills in, turned into one query in the search syntax.

The form never searches itself: it writes `q` (plans.search.grammar's syntax) plus the usual filters and the
view redirects to the canonical /search/ URL, so the result is a state like any other (bookmarkable, back
button, JSON). Every piece is written so that it parses back exactly (grammar.term_syntax).
"""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from plans.search.grammar import MAX_DISTANCE, MIN_DISTANCE, quote, term_syntax
from searchui.params import SORTS, YEAR_MAX, YEAR_MIN

NEAR_KINDS = (
    ("sentence", _("在同一句中")),
    ("paragraph", _("在同一段中")),
    ("chars", _("相距不超过 N 个字")),
)
NEAR_OPERATORS = {"sentence": "/s", "paragraph": "/p"}
SCOPE_CHOICES = (
    ("title", _("标题")),
    ("heading", _("章节标题")),
    ("issuer", _("发布机构")),
    ("doc_number", _("文号")),
)
SORT_LABELS = {"relevance": _("相关度"), "-date": _("最新发布"), "date": _("最早发布")}
QUERY_FIELDS = ("all_words", "any_words", "none_words", "phrase", "near_a", "near_b", "scope_term")


class AdvancedSearchForm(forms.Form):
    """All, any and none of some words, an exact phrase, two terms near each other, a field scope, filters."""

    all_words = forms.CharField(label=_("包含全部这些词"), required=False, max_length=200)
    any_words = forms.CharField(label=_("包含任意一个词"), required=False, max_length=200)
    none_words = forms.CharField(label=_("不包含这些词"), required=False, max_length=200)
    phrase = forms.CharField(label=_("包含完整短语"), required=False, max_length=100)
    near_a = forms.CharField(label=_("词语一"), required=False, max_length=40)
    near_kind = forms.ChoiceField(label=_("位置关系"), choices=NEAR_KINDS, initial="sentence", required=False)
    near_n = forms.IntegerField(
        label=_("N（字数）"), required=False, min_value=MIN_DISTANCE, max_value=MAX_DISTANCE, initial=20
    )
    near_b = forms.CharField(label=_("词语二"), required=False, max_length=40)
    scope = forms.ChoiceField(label=_("字段"), choices=SCOPE_CHOICES, initial="title", required=False)
    scope_term = forms.CharField(label=_("字段中包含"), required=False, max_length=60)
    region = forms.MultipleChoiceField(label=_("地区"), required=False, widget=forms.CheckboxSelectMultiple)
    theme = forms.MultipleChoiceField(label=_("主题"), required=False, widget=forms.CheckboxSelectMultiple)
    level = forms.MultipleChoiceField(label=_("层级"), required=False, widget=forms.CheckboxSelectMultiple)
    year_from = forms.IntegerField(
        label=_("起始年份"), required=False, min_value=YEAR_MIN, max_value=YEAR_MAX
    )
    year_to = forms.IntegerField(label=_("截止年份"), required=False, min_value=YEAR_MIN, max_value=YEAR_MAX)
    sort = forms.ChoiceField(
        label=_("排序"), required=False, choices=[(s, SORT_LABELS[s]) for s in SORTS], initial="relevance"
    )

    def __init__(self, *args, regions=(), themes=(), levels=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = list(regions)
        self.fields["theme"].choices = list(themes)
        self.fields["level"].choices = list(levels)

    def clean(self):
        data = super().clean()
        near_a, near_b = (data.get("near_a") or "").strip(), (data.get("near_b") or "").strip()
        if bool(near_a) != bool(near_b):
            self.add_error("near_b" if near_a else "near_a", _("邻近检索需要填写两个词。"))
        chars = data.get("near_kind") == "chars"
        if near_a and near_b and chars and not data.get("near_n") and "near_n" not in self.errors:
            self.add_error("near_n", _("请填写 1–500 之间的字数。"))
        if not self.errors and not build_query(data) and not _has_filters(data):
            raise forms.ValidationError(_("请至少填写一个检索词或选择一个筛选条件。"))
        return data


def _words(value: str | None) -> list[str]:
    return [term_syntax(w) for w in (value or "").split() if term_syntax(w)]


def build_query(data: dict) -> str:
    """The query (grammar syntax) that the cleaned form data asks for; '' when it asks for no words."""
    parts = _words(data.get("all_words"))
    any_words = _words(data.get("any_words"))
    if len(any_words) == 1:
        parts += any_words
    elif any_words:
        parts.append("(" + " OR ".join(any_words) + ")")
    phrase = " ".join((data.get("phrase") or "").split())
    if phrase:
        parts.append(quote(phrase))
    near_a, near_b = term_syntax(data.get("near_a") or ""), term_syntax(data.get("near_b") or "")
    if near_a and near_b:
        kind = data.get("near_kind") or "sentence"
        operator = NEAR_OPERATORS.get(kind) or f"/{data.get('near_n') or MAX_DISTANCE}"
        parts.append(f"{near_a} {operator} {near_b}")
    scope_term = term_syntax(data.get("scope_term") or "")
    if scope_term:
        parts.append(f"{data.get('scope') or 'title'}:{scope_term}")
    parts += ["-" + w for w in _words(data.get("none_words"))]  # alone: every plan but those
    return " ".join(parts)


def _has_filters(data: dict) -> bool:
    return any(data.get(name) for name in ("region", "theme", "level", "year_from", "year_to"))


def search_query(data: dict) -> QueryDict:
    """The /search/ parameters of the cleaned form (searchui.params validates and orders them)."""
    query = QueryDict(mutable=True)
    q = build_query(data)
    if q:
        query["q"] = q
    for name in ("region", "theme", "level"):
        for value in data.get(name) or ():
            query.appendlist(name, value)
    for name in ("year_from", "year_to"):
        if data.get(name):
            query[name] = str(data[name])
    if data.get("sort"):
        query["sort"] = data["sort"]
    return query
