"""Every researcher-facing URL through the Django test client, on a real index in tmp_path."""

import csv
import datetime
import io
import re
from html.parser import HTMLParser
from urllib.parse import unquote_plus

import pytest

from plans.models import SectionTheme, Theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(make_plans):
    """Four plans over three regions and three years, with themes and sections."""
    return make_plans(
        [
            dict(
                title="2017年湖北省科技工作要点",
                region="湖北",
                year=2017,
                published_on=datetime.date(2017, 3, 1),
                issuer="湖北省科技厅",
                doc_number="鄂科技发〔2017〕1号",
                themes=["科技金融", "科技成果转化"],
                sections=[
                    ("一、深化科技体制改革", "加快科技成果转化，完善科技金融服务体系。"),
                    ("二、提升创新能力", "培育高新技术企业，建设创新平台。"),
                ],
            ),
            dict(
                title="2018年湖北省科技工作要点",
                region="湖北",
                year=2018,
                published_on=datetime.date(2018, 2, 20),
                themes=["科技人才"],
                sections=[("一、人才", "引进高层次人才，推动科技成果转化。")],
            ),
            dict(
                title="2018年江西省科技工作要点",
                region="江西",
                year=2018,
                published_on=datetime.date(2018, 4, 2),
                themes=["科技金融"],
                text="江西省大力发展科技金融，促进科技成果转化和产业升级。",
            ),
            dict(
                title="2019年国务院政府工作报告",
                region="全国",
                year=2019,
                level="national",
                published_on=datetime.date(2019, 3, 5),
                text="实施创新驱动发展战略，推动高质量发展。",
            ),
        ]
    )


def decoded(url: str) -> str:
    return unquote_plus(url)


class _Attributes(HTMLParser):
    """Collects what a strict Content-Security-Policy would block."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if "style" in names:
            self.problems.append(f"style= on <{tag}>")
        self.problems += [f"{name}= on <{tag}>" for name in names if name.startswith("on")]
        if tag == "style":
            self.problems.append("<style> element")


def csp_problems(html: str) -> list[str]:
    parser = _Attributes()
    parser.feed(html)
    return parser.problems


# --- pages render ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/search/", "/search/?q=科技成果转化", "/themes/", "/compare/", "/compare/?q=科技金融&region=湖北"],
)
def test_pages_render_without_inline_code(client, corpus, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert csp_problems(html) == []
    assert '<html lang="zh-Hans">' in html


def test_plan_page_renders_without_inline_code(client, corpus):
    response = client.get(f"/plans/{corpus[0].pk}/?q=科技")
    assert response.status_code == 200
    assert csp_problems(response.content.decode()) == []


def test_home_shows_overview_and_latest(client, corpus):
    response = client.get("/")
    html = response.content.decode()
    assert "2019年国务院政府工作报告" in html
    assert html.index("2019年国务院政府工作报告") < html.index("2017年湖北省科技工作要点"), "newest first"
    overview = {f["name"]: f["items"] for f in response.context["facets"]}
    assert {(i["label"], i["count"]) for i in overview["region"]} == {("湖北", 2), ("江西", 1), ("全国", 1)}
    hubei = next(i for i in overview["region"] if i["label"] == "湖北")
    assert decoded(hubei["url"]) == "/search/?region=湖北"
    assert ("科技金融", 2) in {(i["label"], i["count"]) for i in overview["theme"]}
    assert response.context["overview"].total == 4


# --- results page -----------------------------------------------------------------------------------------


def test_search_finds_and_highlights(client, corpus):
    response = client.get("/search/?q=科技成果转化")
    assert response.status_code == 200
    html = response.content.decode()
    result = response.context["result"]
    assert result.count == 3
    assert "<mark>科技成果转化</mark>" in html
    assert 'value="科技成果转化"' in html, "the query box keeps the query"
    titles = {hit.plan.title for hit in response.context["hits"]}
    assert titles == {"2017年湖北省科技工作要点", "2018年湖北省科技工作要点", "2018年江西省科技工作要点"}


def test_hits_link_to_plan_with_query_back_url_and_sections(client, corpus):
    response = client.get("/search/?q=科技成果转化&region=湖北")
    hit = next(h for h in response.context["hits"] if h.plan.pk == corpus[0].pk)
    assert (
        decoded(decoded(hit.url))
        == f"/plans/{corpus[0].pk}/?q=科技成果转化&back=/search/?q=科技成果转化&region=湖北"
    )
    assert hit.sections, "the best-matching sections are listed"
    assert decoded(hit.sections[0].url).endswith("#s1")
    assert [chip.label for chip in hit.chips] == ["科技金融", "科技成果转化"] or {
        c.label for c in hit.chips
    } == {
        "科技金融",
        "科技成果转化",
    }


def test_facets_are_finished_objects(client, corpus):
    response = client.get("/search/?q=科技&region=湖北")
    groups = {g.name: g for g in response.context["facets"]}
    regions = {item.value: item for item in groups["region"].items}
    assert regions["湖北"].selected and regions["湖北"].count == 2
    # Counts of one facet ignore its own selection: picking 江西 as well would add one plan.
    assert not regions["江西"].selected and regions["江西"].count == 1
    assert decoded(regions["江西"].toggle_url) == "/search/?q=科技&region=江西&region=湖北"
    assert decoded(regions["湖北"].toggle_url) == "/search/?q=科技"
    assert decoded(groups["region"].clear_url) == "/search/?q=科技"
    assert groups["year"].clear_url is None
    years = {item.value: item.count for item in groups["year"].items}
    assert years == {"2017": 1, "2018": 1}


def test_two_regions_and_a_year(client, corpus):
    response = client.get("/search/?q=科技&region=江西&region=湖北&year=2018")
    assert response.status_code == 200
    assert {hit.plan.title for hit in response.context["hits"]} == {
        "2018年湖北省科技工作要点",
        "2018年江西省科技工作要点",
    }
    chips = [(c["facet"], c["label"]) for c in response.context["filter_chips"]]
    assert chips == [("地区", "江西"), ("地区", "湖北"), ("年份", "2018")]
    assert decoded(response.context["clear_all_url"]) == "/search/?q=科技"


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-date", ["2018年湖北省科技工作要点", "2017年湖北省科技工作要点"]),
        ("date", ["2017年湖北省科技工作要点", "2018年湖北省科技工作要点"]),
    ],
)
def test_sort(client, corpus, sort, expected):
    response = client.get(f"/search/?region=湖北&sort={sort}")
    assert [hit.plan.title for hit in response.context["hits"]] == expected
    selected = [o["value"] for o in response.context["sort_options"] if o["selected"]]
    assert selected == [sort]


def test_histogram_bars_link_to_years(client, corpus):
    response = client.get("/search/?q=科技")
    histogram = response.context["histogram"]
    assert [(bar.year, bar.count) for bar in histogram.bars] == [(2017, 1), (2018, 2)]
    assert decoded(histogram.bars[1].url) == "/search/?q=科技&year=2018"
    html = response.content.decode()
    assert "<svg" in html and 'href="/search/?q=%E7%A7%91%E6%8A%80&amp;year=2018"' in html


def test_pagination_and_page_links(client, make_plans):
    make_plans([dict(title=f"规划{i:02d}", year=2000 + i, text=f"科技创新第{i}项") for i in range(25)])
    first = client.get("/search/?q=科技创新&sort=date")
    assert first.context["result"].pages == 2
    pagination = first.context["pagination"]
    assert decoded(pagination.next_url) == "/search/?q=科技创新&sort=date&page=2"
    assert pagination.previous_url is None
    second = client.get(pagination.next_url)
    assert second.status_code == 200
    assert [hit.plan.title for hit in second.context["hits"]] == [f"规划{i:02d}" for i in range(20, 25)]
    assert decoded(second.context["pagination"].previous_url) == "/search/?q=科技创新&sort=date"
    assert 'start="21"' in second.content.decode()
    # Changing a filter from page 2 goes back to page 1.
    year_group = next(g for g in second.context["facets"] if g.name == "year")
    assert all("page=" not in item.toggle_url for item in year_group.items)


def test_same_url_same_page(client, corpus):
    url = "/search/?q=科技&region=江西&region=湖北&year=2018"
    first, second = client.get(url), client.get(url)
    assert [h.plan.pk for h in first.context["hits"]] == [h.plan.pk for h in second.context["hits"]]
    strip = re.compile(r"用时 [\d.]+ 毫秒|csrfmiddlewaretoken\" value=\"[^\"]+\"")
    assert strip.sub("", first.content.decode()) == strip.sub("", second.content.decode())


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("/search/?region=湖北&q=科技", "/search/?q=科技&region=湖北"),
        ("/search/?q=&region=湖北", "/search/?region=湖北"),
        ("/search/?q=科技&sort=relevance&page=1", "/search/?q=科技"),
        ("/search/?region=湖北&region=江西", "/search/?region=江西&region=湖北"),
        ("/search/?q=%20科技%20", "/search/?q=科技"),
        ("/search/?region=湖北省", "/search/?region=湖北"),
        ("/search/?year_from=&year_to=&q=科技", "/search/?q=科技"),
    ],
)
def test_non_canonical_urls_redirect(client, corpus, url, canonical):
    response = client.get(url)
    assert response.status_code == 302
    assert decoded(response["Location"]) == canonical
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    ("url", "notice"),
    [
        ("/search/?year=abc", "年份“abc”无效"),
        ("/search/?page=-1", "页码“-1”无效"),
        ("/search/?q=科技&page=99999", "页码“99999”无效"),
        ("/search/?q=科技&page=7", "第 7 页不存在"),
        ("/search/?theme=不存在", "未知的主题“不存在”"),
        ("/search/?region=火星", "未知的地区“火星”"),
        ("/search/?level=galactic", "未知的层级“galactic”"),
        ("/search/?year_from=2020&year_to=2010", "起始年份晚于截止年份"),
        ("/search/?region=" + "湖" * 3000, "未知的地区"),
        ("/search/?region=湖北&region=湖北", "重复的“region”取值已合并"),
        ("/search/?sort=best", "未知的排序方式“best”"),
        ("/search/?page_size=1000", "每页条数“1000”无效"),
        ("/search/?q=" + "科技" * 300, "检索词过长"),
        ("/search/?q=%22%22%22((((AND+OR+NOT", ""),
        ("/search/?q=%00%01", ""),
    ],
)
def test_bad_parameters_give_a_notice_never_a_500(client, corpus, url, notice):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    if notice:
        assert notice in html
        assert 'class="notices"' in html


def test_bad_parameters_are_dropped_but_the_rest_is_kept(client, corpus):
    response = client.get("/search/?q=科技&region=湖北&year=abc&theme=不存在")
    assert response.status_code == 200
    params = response.context["params"]
    assert params.regions == ("湖北",) and params.years == () and params.themes == ()
    assert response.context["result"].count == 2
    assert decoded(response.context["canonical_url"]) == "/search/?q=科技&region=湖北"


def test_no_results(client, corpus):
    response = client.get("/search/?q=量子引力")
    assert response.context["result"].count == 0
    assert "没有找到符合条件的文件" in response.content.decode()


# --- JSON and CSV -------------------------------------------------------------------------------------------


def test_search_json_shape(client, corpus):
    response = client.get("/search/?q=科技成果转化&region=湖北&format=json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert {"query", "count", "page", "pages", "results", "facets", "notices"} <= data.keys()
    assert data["query"] == "科技成果转化" and data["count"] == 2 and data["page"] == 1 and data["pages"] == 1
    item = data["results"][0]
    assert {
        "id",
        "title",
        "region",
        "year",
        "date",
        "level",
        "issuer",
        "themes",
        "url",
        "snippet",
        "sections",
    } <= (item.keys())
    first = next(r for r in data["results"] if r["id"] == corpus[0].pk)
    assert first["region"] == "湖北" and first["year"] == 2017 and first["date"] == "2017-03-01"
    assert first["level"] == "provincial" and first["issuer"] == "湖北省科技厅"
    assert set(first["themes"]) == {"科技金融", "科技成果转化"}
    assert first["url"] == f"http://testserver/plans/{corpus[0].pk}/"
    assert "<mark>科技成果转化</mark>" in first["snippet"]
    assert first["sections"][0]["anchor"] == "s1"
    assert set(data["facets"]) == {"region", "year", "theme", "level"}
    region = {v["value"]: v for v in data["facets"]["region"]}
    assert {"value", "count", "selected"} <= region["湖北"].keys()
    assert region["湖北"]["selected"] is True and region["江西"]["selected"] is False
    assert data["notices"] == []


def test_search_json_reports_notices_and_unicode(client, corpus):
    response = client.get("/search/?q=科技&year=abc&format=json")
    assert "年份“abc”无效，已忽略。" in response.json()["notices"]
    assert "科技".encode() in response.content, "JSON keeps Chinese readable (ensure_ascii off)"


def test_search_json_page_size(client, make_plans):
    make_plans([dict(title=f"规划{i}", text="科技创新", year=2010 + i % 5) for i in range(30)])
    data = client.get("/search/?q=科技创新&page_size=25&format=json").json()
    assert len(data["results"]) == 25 and data["pages"] == 2
    assert decoded(data["next"]) == "http://testserver/search/?q=科技创新&page=2&page_size=25&format=json"


def test_csv_downloads_the_whole_result_set(client, make_plans):
    make_plans([dict(title=f"=规划{i:03d}", text="科技创新", year=2000 + i % 20) for i in range(105)])
    response = client.get("/search/?q=科技创新&format=csv&page=2")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf"), "a BOM so that Excel reads UTF-8"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["ID", "标题", "地区"]
    assert len(rows) == 1 + 105, "every page of the result set, not only the current page"
    assert all(row[1].startswith("'=") for row in rows[1:]), "formula-like cells are neutralised"


def test_csv_of_filtered_results(client, corpus):
    response = client.get("/search/?region=湖北&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted(row[1] for row in rows[1:]) == ["2017年湖北省科技工作要点", "2018年湖北省科技工作要点"]
    assert rows[1][3] == "省级"


# --- plan page ----------------------------------------------------------------------------------------------


def test_plan_page_metadata_outline_and_text(client, corpus):
    plan = corpus[0]
    response = client.get(f"/plans/{plan.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ["标题", "发布机构", "地区", "层级", "年份", "发布日期", "文号", "索引号", "主题"]:
        assert f'<th scope="row">{label}</th>' in html
    assert "湖北省科技厅" in html and "鄂科技发〔2017〕1号" in html and "2017-03-01" in html
    assert 'href="#s1"' in html and 'id="s1"' in html and 'id="s2"' in html
    assert "培育高新技术企业，建设创新平台。" in html
    assert "<mark>" not in html
    assert 'rel="canonical"' in html


def test_plan_page_highlights_and_links_back(client, corpus):
    plan = corpus[0]
    back = "/search/?q=科技金融&region=湖北"
    response = client.get(f"/plans/{plan.pk}/", {"q": "科技金融", "back": back})
    html = response.content.decode()
    assert "<mark>科技金融</mark>" in html
    assert response.context["back_url"] == back


@pytest.mark.parametrize(
    "back", ["https://evil.example/search/", "javascript:alert(1)", "/admin/", "//evil.example/x"]
)
def test_plan_page_rejects_foreign_back_urls(client, corpus, back):
    response = client.get(f"/plans/{corpus[0].pk}/", {"q": "科技", "back": back})
    assert decoded(response.context["back_url"]) == "/search/?q=科技"
    assert "evil" not in response.context["back_url"]
    assert 'href="https://evil' not in response.content.decode()


def test_plan_page_section_themes_show_their_keywords(client, corpus):
    plan = corpus[0]
    section = plan.sections.get(anchor="s1")
    SectionTheme.objects.create(
        section=section,
        theme=Theme.objects.get(name="科技金融"),
        score=2,
        matched={"科技金融": 1, "创业投资": 3},
    )
    html = client.get(f"/plans/{plan.pk}/").content.decode()
    assert "创业投资×3、科技金融×1" in html


def test_plan_page_related_plans(client, corpus):
    response = client.get(f"/plans/{corpus[0].pk}/")
    related = response.context["related"]
    assert corpus[0] not in related
    assert len(related) <= 5


def test_plan_json(client, corpus):
    plan = corpus[0]
    data = client.get(f"/plans/{plan.pk}/?format=json").json()
    assert data["id"] == plan.pk and data["title"] == plan.title and data["region"] == "湖北"
    assert data["text"] == plan.text
    assert [s["anchor"] for s in data["sections"]] == ["s1", "s2"]
    assert data["sections"][0]["heading"] == "一、深化科技体制改革"
    assert {"doc_number", "index_number", "issuer", "date", "level", "themes"} <= data.keys()


@pytest.mark.parametrize("url", ["/plans/999999/", "/plans/999999/?format=json"])
def test_missing_plan_is_404(client, db, url):
    assert client.get(url).status_code == 404


# --- themes and compare -------------------------------------------------------------------------------------


def test_themes_page(client, corpus):
    response = client.get("/themes/")
    entries = {e.theme.name: e for group in response.context["groups"] for e in group.themes}
    assert entries["科技金融"].plan_count == 2
    assert decoded(entries["科技金融"].url) == "/search/?theme=科技金融"
    assert {p.title for p in entries["科技金融"].examples} == {
        "2017年湖北省科技工作要点",
        "2018年江西省科技工作要点",
    }
    assert "科技体制改革" in entries, "themes without plans are listed too"


def test_compare_matrix(client, corpus):
    response = client.get("/compare/?q=科技")
    matrix = response.context["matrix"]
    assert matrix.years == [2017, 2018]
    rows = {row.region: [cell.count for cell in row.cells] for row in matrix.rows}
    assert rows == {"江西": [0, 1], "湖北": [1, 1]}
    hubei = next(row for row in matrix.rows if row.region == "湖北")
    assert decoded(hubei.cells[1].url) == "/search/?q=科技&region=湖北&year=2018"
    assert (
        hubei.cells[0].url is not None
        and next(r for r in matrix.rows if r.region == "江西").cells[0].url is None
    )
    assert [c.count for c in matrix.column_totals] == [1, 2]
    assert matrix.total == 3


def test_compare_respects_filters_and_json(client, corpus):
    data = client.get("/compare/?region=湖北&format=json").json()
    assert data["years"] == [2017, 2018]
    assert data["rows"] == [{"region": "湖北", "total": 2, "counts": [1, 1]}]


def test_compare_with_bad_parameters(client, corpus):
    response = client.get("/compare/?year=abc&region=火星")
    assert response.status_code == 200
    assert "年份“abc”无效" in response.content.decode()


# --- language ---------------------------------------------------------------------------------------------


def test_english_through_the_language_switch(client, corpus):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/search/?q=科技"})
    assert response.status_code == 302
    html = client.get("/search/?q=科技").content.decode()
    assert '<html lang="en">' in html
    assert "Filters" in html and "Newest first" in html and "Region" in html
    html = client.get(f"/plans/{corpus[0].pk}/").content.decode()
    assert "Issuing body" in html and "Document number" in html


def test_engine_notices_follow_the_page_language(client, corpus):
    """The engine's own notices (query repaired, quotes unbalanced) come through gettext."""
    chinese = client.get("/search/?q=科技 AND&format=json").json()["notices"]
    assert "查询已修正：“AND”前后缺少检索词，已忽略。" in chinese
    client.post("/i18n/setlang/", {"language": "en", "next": "/search/"})
    english = client.get("/search/?q=科技 AND&format=json").json()["notices"]
    assert english and all(notice.isascii() or "AND" in notice for notice in english)
    assert not any("查询" in notice for notice in english)
    html = client.get('/search/?q="科技').content.decode()
    assert "the quotes were not balanced" in html


def test_chinese_by_default_whatever_the_browser_prefers(client, corpus):
    html = client.get("/search/?q=科技", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-Hans">' in html and "筛选" in html
    notices = client.get("/search/?year=abc&format=json", HTTP_ACCEPT_LANGUAGE="en").json()["notices"]
    assert notices == ["年份“abc”无效，已忽略。"]


# --- theme weights: the plan page and /themes/ explain each assignment -------------------------------------------


@pytest.fixture
def weighed_plan(db):
    """A plan whose themes the services decided (with their weight and basis), among plans without the theme."""
    from plans import services
    from plans.ingest.sections import parse_sections

    filler = "全面落实各项工作任务，确保各项目标按期完成。"
    texts = [f"第{n}号要点\n一、常规工作\n{filler * 10}\n二、其他\n{filler * 5}" for n in range(4)]
    texts.append(
        f"科技金融要点\n一、科技金融\n{'发展科技金融，引导创业投资。' * 5}\n二、常规工作\n{filler * 10}"
    )
    plans = []
    for text in texts:
        plan = services.plan_create(title=text.splitlines()[0], text=text)
        services.plan_set_outline(plan=plan, sections=parse_sections(text))
        plans.append(plan)
    return plans[-1]


def test_plan_page_shows_the_weight_of_each_theme(client, weighed_plan):
    row = weighed_plan.plan_themes.get(theme__name="科技金融")
    html = client.get(f"/plans/{weighed_plan.pk}/").content.decode()
    share = round(row.basis["share"] * 100, 1)
    assert row.weight >= row.basis["min_weight"]
    assert (
        f"权重 {row.weight}：占全文 {share}%，全库平均 {round(row.basis['average_share'] * 100, 1)}%" in html
    )
    assert "标题点名" in html  # the section 一、科技金融 is placed by its heading
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(f"/plans/{weighed_plan.pk}/").content.decode()
    assert f"{share}% of the text" in english and "named in the heading" in english
    data = client.get(f"/plans/{weighed_plan.pk}/?format=json").json()
    detail = next(item for item in data["themes_detail"] if item["name"] == "科技金融")
    assert detail["weight"] == row.weight and detail["basis"]["min_weight"] == row.basis["min_weight"]
    assert detail["matched"] == {"科技金融": 7, "创业投资": 5}  # title, heading and five sentences


def test_themes_page_explains_the_rule_and_the_weights(client, weighed_plan):
    from plans import selectors

    response = client.get("/themes/")
    entries = {e.theme.name: e for group in response.context["groups"] for e in group.themes}
    finance = entries["科技金融"]
    assert finance.examples == [weighed_plan]
    assert finance.example_weights == [weighed_plan.plan_themes.get(theme__name="科技金融").weight]
    rule = selectors.theme_thresholds()["科技金融"]
    html = response.content.decode()
    assert f"占比 {round(rule.threshold * 100, 1)}% 起归入" in html
    assert "倍" in html and "全文检索" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/themes/").content.decode()
    assert "times the share of the collection" in english and "assigned from a share of" in english
