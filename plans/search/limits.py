"""Every limit of a search request, declared once: the engine, URL parsing (searchui/params.py) and the views read
these names instead of spelling the numbers again."""

SORTS = (
    "relevance",
    "-date",
    "date",
)  # the orders a search accepts; relevance falls back to -date without terms
DEFAULT_SORT = "relevance"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000
MAX_QUERY_CHARS = 200  # characters of q that are searched
MAX_TERMS = 20  # terms (and excluded terms) of one query (issue 13's grammar)
MAX_DEPTH = 8  # nested parentheses of a query
MIN_DISTANCE, MAX_DISTANCE = 1, 500  # the N of A /N B
MAX_TERM_CHARS = 40  # characters of one term
MAX_FACET_VALUE_CHARS = 60  # longer facet values are never real region or theme names
MAX_VALUES_PER_FACET = 40
YEAR_MIN, YEAR_MAX = 1949, 2100
SECTIONS_PER_HIT = 3
SNIPPET_WIDTH = 120
SECTION_SNIPPET_WIDTH = 80
EXPORT_MAX_ROWS = 20_000  # the most plans one export (CSV, RIS, BibTeX) holds
