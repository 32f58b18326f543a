"""The search syntax: a query string -> an expression tree, repaired (never rejected) when it is malformed.

    A B, A AND B, A && B        both                     A OR B, A | B, A｜B, A || B     either
    -A, NOT A, !A               not                      ( … ), （ … ）                  grouping
    "…", “…”                    the exact string, punctuation included
    A /s B, A /句 B (/SEN)      in the same sentence     A /p B, A /段 B (/PRG)          in the same paragraph
    A /N B, A /NEAR N B         within N characters (1-500), counted strictly between the two occurrences
    title: 标题: heading: 章节: issuer: 发布机构: doc_number: 文号:   a field scope on the next term or phrase

Precedence, tightest first: proximity, NOT, AND, OR. The query is normalised first (normalize.py: traditional
-> simplified, full width -> half width, lower case), so （ ） ｜ ： and full-width digits need no rules of their
own, and operator words are recognised in any case. Whatever the input, `parse` returns a valid tree (or None
for an empty query) plus notices, in the active language, that say what was repaired; `to_text` writes a tree
back in this syntax (it parses to the same tree, with no notice) and `describe` reads it out for people.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from plans.search.limits import (  # declared once, beside every other limit of a search
    MAX_DEPTH,
    MAX_DISTANCE,
    MAX_QUERY_CHARS,
    MAX_TERM_CHARS,
    MAX_TERMS,
    MIN_DISTANCE,
)
from plans.search.normalize import normalise

SENTENCE, PARAGRAPH, CHARS = "sentence", "paragraph", "chars"
# The field scopes and every name that selects one (lower case; the query is normalised before lexing).
SCOPES = ("title", "heading", "issuer", "doc_number")
SCOPE_NAMES = {
    "title": "title",
    "标题": "title",
    "heading": "heading",
    "章节": "heading",
    "issuer": "issuer",
    "发布机构": "issuer",
    "doc_number": "doc_number",
    "文号": "doc_number",
}

# Characters that stay inside an unquoted term although they are not letters or digits (R&D, 5.0, C++, 3-5).
_JOINERS = frozenset("&+.-_#%/·'")
_QUOTES = {'"': '"', "“": "”", "”": "“", "「": "」", "『": "』", "«": "»", "《": "》"}
_WORD_OPERATORS = {"and": "AND", "&&": "AND", "or": "OR", "||": "OR", "not": "NOT"}
# A proximity operator: /s /p /句 /段 /sen /prg /N /near N, not followed by a letter or digit.
_NEAR = re.compile(r"/(?:(?P<kind>sen|prg|s|p|句|段)|near\s*(?P<near>\d+)|(?P<n>\d+))(?![a-z0-9])", re.ASCII)
_NEAR_KINDS = {
    "s": SENTENCE,
    "sen": SENTENCE,
    "句": SENTENCE,
    "p": PARAGRAPH,
    "prg": PARAGRAPH,
    "段": PARAGRAPH,
}


# --- the tree ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A normalised string that must occur (exact substring), in the whole text or in one field."""

    text: str
    phrase: bool = field(default=False, compare=False)  # written in quotes: shown so, matched the same
    scope: str | None = None  # one of SCOPES; None: the title and the body


@dataclass(frozen=True)
class Near:
    """Two unscoped terms in the same sentence, the same paragraph, or within `n` characters."""

    left: Term
    right: Term
    kind: str  # SENTENCE, PARAGRAPH or CHARS
    n: int | None = None  # CHARS only


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Near | Not | And | Or


def leaves(node: Node | None, negated: bool = False):
    """(term, negated) for every Term of the tree, in order; a term under an odd number of NOTs is negated."""
    if node is None:
        return
    if isinstance(node, Term):
        yield node, negated
    elif isinstance(node, Near):
        yield node.left, negated
        yield node.right, negated
    elif isinstance(node, Not):
        yield from leaves(node.child, not negated)
    else:
        for child in node.children:
            yield from leaves(child, negated)


def has_proximity(node: Node | None) -> bool:
    return any(isinstance(n, Near) for n in walk(node))


def walk(node: Node | None):
    """Every node of the tree, parents before children."""
    if node is None:
        return
    yield node
    if isinstance(node, Not):
        yield from walk(node.child)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from walk(child)


# --- lexing ------------------------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str  # TERM SCOPE NEAR AND OR NOT LP RP
    pieces: tuple[str, ...] = ()  # TERM: normalised pieces (a quoted phrase with spaces has several)
    phrase: bool = False
    scope: str = ""  # SCOPE: the field
    near: tuple[str, int | None] | None = None  # NEAR: (kind, n)
    written: str = ""  # how the user wrote an operator or scope, for notices


@dataclass
class _Notes:
    messages: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        if message not in self.messages:
            self.messages.append(message)


def _is_term_char(ch: str) -> bool:
    return ch.isalnum() or ch in _JOINERS


def _clean(q: str, notes: _Notes) -> str:
    """Drop control and format characters, emoji and other symbols; cut an over-long query."""
    out = []
    dropped = False
    for ch in q:
        category = unicodedata.category(ch)
        if ch in "\t\n\r" or category == "Zs":
            out.append(" ")
        elif category[0] == "C" or category in ("So", "Sk") or 0xD800 <= ord(ch) <= 0xDFFF:
            dropped = True
            out.append(" ")
        else:
            out.append(ch)
    text = "".join(out)
    if dropped:
        notes.add(_("查询已简化：已忽略无法检索的符号（如表情符号、控制字符）。"))
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.add(_("查询过长，只检索前 %(n)d 个字符。") % {"n": MAX_QUERY_CHARS})
    return text


def _closing_quote(text: str, i: int) -> int:
    """The index of the quote closing the one at i, or -1."""
    ch = text[i]
    if ch == "”":  # a closing curly quote first: either curly quote closes it
        ends = [e for e in (text.find("”", i + 1), text.find("“", i + 1)) if e >= 0]
        return min(ends, default=-1)
    return text.find(_QUOTES[ch], i + 1)


def _near_operand_start(text: str, i: int) -> bool:
    """Whether a '/' at i may start a proximity operator: not inside an ASCII word such as 3/5 or and/or."""
    if i == 0:
        return True
    before = text[i - 1]
    return not (before.isascii() and _is_term_char(before))


def _lex(text: str, notes: _Notes) -> list[_Token]:
    tokens: list[_Token] = []
    i, size = 0, len(text)
    while i < size:
        ch = text[i]
        if ch == " ":
            i += 1
        elif ch in _QUOTES:
            end = _closing_quote(text, i)
            if end < 0:
                notes.add(_("查询已简化：引号不成对，已按普通词检索。"))
                i += 1
                continue
            pieces = tuple(text[i + 1 : end].split())
            if pieces:
                tokens.append(_Token("TERM", pieces=pieces, phrase=True))
            i = end + 1
        elif ch == "(":
            tokens.append(_Token("LP"))
            i += 1
        elif ch == ")":
            tokens.append(_Token("RP"))
            i += 1
        elif ch == "|":
            while i < size and text[i] == "|":
                i += 1
            tokens.append(_Token("OR", written="OR"))
        elif ch == "!" or (ch == "-" and _starts_operand(text, i + 1)):
            while i < size and text[i] in "-!":
                i += 1
            tokens.append(_Token("NOT", written="NOT"))
        elif ch == "/" and _near_operand_start(text, i) and (match := _NEAR.match(text, i)):
            tokens.append(_near_token(match, notes))
            i = match.end()
        elif _is_term_char(ch):
            start = i
            while (
                i < size
                and _is_term_char(text[i])
                and not (text[i] == "/" and i > start and not text[i - 1].isascii() and _NEAR.match(text, i))
            ):
                i += 1
            word = text[start:i]
            if i < size and text[i] == ":" and word in SCOPE_NAMES:
                tokens.append(_Token("SCOPE", scope=SCOPE_NAMES[word], written=word))
                i += 1
            elif word in _WORD_OPERATORS:
                tokens.append(_Token(_WORD_OPERATORS[word], written=word.upper()))
            else:
                term = word.strip("-_.'/")
                if term:
                    tokens.append(_Token("TERM", pieces=(term,)))
        else:  # other punctuation separates terms, as a space would
            notes.add(_("查询已简化：标点和特殊符号被当作词语之间的分隔。"))
            i += 1
    return tokens


def _starts_operand(text: str, i: int) -> bool:
    return i < len(text) and (_is_term_char(text[i]) or text[i] in _QUOTES or text[i] in "(-!")


def _near_token(match: re.Match, notes: _Notes) -> _Token:
    written = match.group(0)
    if match.group("kind"):
        return _Token("NEAR", near=(_NEAR_KINDS[match.group("kind")], None), written=written)
    raw = match.group("near") or match.group("n")
    n = int(raw[:6]) if len(raw) <= 6 else MAX_DISTANCE + 1
    if not MIN_DISTANCE <= n <= MAX_DISTANCE:
        used = min(max(n, MIN_DISTANCE), MAX_DISTANCE)
        notes.add(
            _("查询已修正：距离 %(n)s 超出范围（%(min)d–%(max)d），已按 %(used)d 个字理解。")
            % {"n": raw, "min": MIN_DISTANCE, "max": MAX_DISTANCE, "used": used}
        )
        n = used
    return _Token("NEAR", near=(CHARS, n), written=f"/{n}")


# --- repairs: make the token list well-formed --------------------------------------------------------

_ENDS_OPERAND = {"TERM", "RP"}
_STARTS_OPERAND = {"TERM", "SCOPE", "LP", "NOT"}


def _limit_terms(tokens: list[_Token], notes: _Notes) -> list[_Token]:
    """Keep the first MAX_TERMS term pieces (the rest of the query is cut) and cut over-long terms."""
    kept: list[_Token] = []
    count = 0
    for token in tokens:
        if token.kind == "TERM":
            pieces = []
            for piece in token.pieces:
                if len(piece) > MAX_TERM_CHARS:
                    notes.add(_("查询已简化：过长的词只检索前 %(n)d 个字。") % {"n": MAX_TERM_CHARS})
                    piece = piece[:MAX_TERM_CHARS]
                pieces.append(piece)
            room = MAX_TERMS - count
            if room <= 0 or len(pieces) > room:
                notes.add(_("查询已简化：只检索前 %(n)d 个词。") % {"n": MAX_TERMS})
                if room > 0:
                    kept.append(_Token("TERM", pieces=tuple(pieces[:room]), phrase=token.phrase))
                break
            count += len(pieces)
            token = _Token("TERM", pieces=tuple(pieces), phrase=token.phrase)
        kept.append(token)
    return kept


def _balance(tokens: list[_Token], notes: _Notes) -> list[_Token]:
    """Drop unmatched ')' and groups nested too deep, close unmatched '(' at the end, drop empty groups."""
    out: list[_Token | None] = []
    stack: list[tuple[int, bool]] = []  # (index in out, kept)
    depth = 0
    for token in tokens:
        if token.kind == "LP":
            too_deep = depth >= MAX_DEPTH
            if too_deep:
                notes.add(_("查询已修正：括号嵌套超过 %(n)d 层，多余的括号已去掉。") % {"n": MAX_DEPTH})
            else:
                depth += 1
            stack.append((len(out), not too_deep))
            out.append(None if too_deep else token)
        elif token.kind == "RP":
            if not stack:
                notes.add(_("查询已修正：括号不成对，已补齐或去掉多余的括号。"))
                continue
            kept = stack.pop()[1]
            if kept:
                depth -= 1
                out.append(token)
        else:
            out.append(token)
    if stack:
        notes.add(_("查询已修正：括号不成对，已补齐或去掉多余的括号。"))
        for _index, kept in reversed(stack):
            if kept:
                out.append(_Token("RP"))
    result = [t for t in out if t is not None]
    changed = True
    while changed:  # ( ) and groups that held only dropped operators
        changed = False
        for i in range(len(result) - 1):
            if result[i].kind == "LP" and result[i + 1].kind == "RP":
                notes.add(_("查询已修正：去掉了空括号。"))
                del result[i : i + 2]
                changed = True
                break
    return result


def _fix_operators(tokens: list[_Token], notes: _Notes) -> tuple[list[_Token], bool]:
    """One pass: drop scopes without a term and operators without operands; proximity between anything
    but two plain terms becomes AND. Returns the tokens and whether anything changed."""
    out: list[_Token] = []
    changed = False
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        before = out[-1] if out else None
        if token.kind == "SCOPE":
            if following is None or following.kind != "TERM":
                notes.add(
                    _("查询已修正：字段限定“%(scope)s:”后没有检索词，已忽略。") % {"scope": token.written}
                )
                changed = True
                continue
        elif token.kind == "NOT":
            if following is None or following.kind not in _STARTS_OPERAND:
                notes.add(_("查询已修正：“%(op)s”前后缺少检索词，已忽略。") % {"op": token.written})
                changed = True
                continue
        elif token.kind in ("AND", "OR", "NEAR"):
            if (
                before is None
                or before.kind not in _ENDS_OPERAND
                or following is None
                or following.kind not in _STARTS_OPERAND
            ):
                notes.add(_("查询已修正：“%(op)s”前后缺少检索词，已忽略。") % {"op": token.written})
                changed = True
                continue
            left_scoped = len(out) >= 2 and out[-2].kind == "SCOPE"
            if token.kind == "NEAR" and not (
                _plain_term(before) and not left_scoped and _plain_term(following)
            ):
                notes.add(
                    _("查询已修正：邻近检索（%(op)s）只能连接两个词或短语，已按“同时包含”理解。")
                    % {"op": token.written}
                )
                token = _Token("AND", written="AND")
                changed = True
        out.append(token)
    return out, changed


def _plain_term(token: _Token | None) -> bool:
    return token is not None and token.kind == "TERM" and len(token.pieces) == 1


def _repair(tokens: list[_Token], notes: _Notes) -> list[_Token]:
    tokens = _limit_terms(tokens, notes)
    for _round in range(len(tokens) + 2):  # each round removes or rewrites a token; this always ends
        tokens = _balance(tokens, notes)
        tokens, changed = _fix_operators(tokens, notes)
        if not changed:
            break
    return _balance(tokens, notes)


# --- parsing a well-formed token list ----------------------------------------------------------------


class _Parser:
    """Recursive descent over repaired tokens: or := and (OR and)*; and := unary (AND? unary)*;
    unary := NOT unary | near; near := primary (NEAR primary)*; primary := TERM | SCOPE TERM | ( or )."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i].kind if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.parse_or()
        while self.i < len(self.tokens):  # cannot happen after _repair; keep whatever follows, AND-ed
            self.take()
            if self.peek() in _STARTS_OPERAND:
                node = And((node, self.parse_or()))
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.peek() == "OR":
            self.take()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while self.peek() in ("AND", *_STARTS_OPERAND):
            if self.peek() == "AND":
                self.take()
            children.append(self.parse_unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node:
        if self.peek() == "NOT":
            self.take()
            return Not(self.parse_unary())
        return self.parse_near()

    def parse_near(self) -> Node:
        first = self.parse_primary()
        pairs: list[Node] = []
        left = first
        while self.peek() == "NEAR":
            kind, n = self.take().near
            right = self.parse_primary()
            pairs.append(Near(left, right, kind, n))  # _repair made both plain Terms
            left = right
        if not pairs:
            return first
        return pairs[0] if len(pairs) == 1 else And(tuple(pairs))  # A /s B /s C: each neighbouring pair

    def parse_primary(self) -> Node:
        token = self.take()
        if token.kind == "LP":
            node = self.parse_or()
            if self.peek() == "RP":
                self.take()
            return node
        scope = None
        if token.kind == "SCOPE":
            scope = token.scope
            token = self.take()
        terms = tuple(Term(piece, token.phrase, scope) for piece in token.pieces)
        return terms[0] if len(terms) == 1 else And(terms)


def simplify(node: Node | None) -> Node | None:
    """Flatten nested AND / OR, drop repeated children, cancel double negation."""
    if node is None or isinstance(node, Term | Near):
        return node
    if isinstance(node, Not):
        child = simplify(node.child)
        return child.child if isinstance(child, Not) else Not(child)
    kind = type(node)
    children: list[Node] = []
    for child in node.children:
        child = simplify(child)
        for part in child.children if isinstance(child, kind) else (child,):
            if part not in children:
                children.append(part)
    return children[0] if len(children) == 1 else kind(tuple(children))


@dataclass
class Parsed:
    tree: Node | None
    notices: list[str]


def parse(q) -> Parsed:
    """Parse a query string into a tree (None when empty); never raises, whatever the input."""
    notes = _Notes()
    if not isinstance(q, str):
        q = "" if q is None else str(q)
    text = normalise(_clean(q, notes))
    tokens = _repair(_lex(text, notes), notes)
    try:
        tree = simplify(_Parser(tokens).parse())
    except (IndexError, TypeError, ValueError):  # a repair missed a case: search the terms, AND-ed
        terms = [Term(p, t.phrase) for t in tokens if t.kind == "TERM" for p in t.pieces]
        tree = simplify(And(tuple(terms))) if terms else None
        notes.add(_("查询已简化：无法理解的运算符已忽略，多个词按“同时包含”检索。"))
    return Parsed(tree, notes.messages)


# --- writing a tree back -----------------------------------------------------------------------------

_SIMPLE_TERM = re.compile(r"[^\W_][\w&+.#%·'/-]*", re.UNICODE)


_QUOTE_PAIRS = ('""', "“”", "「」", "『』", "«»", "《》")


def quote(text: str) -> str:
    """`text` as one quoted phrase: in the first pair of quotes whose closing mark it does not contain."""
    for pair in _QUOTE_PAIRS:
        if pair[1] not in text:
            return pair[0] + text + pair[1]
    return '"' + text.replace('"', " ") + '"'


def _term_text(term: Term) -> str:
    text = term.text
    plain = (
        not term.phrase
        and _SIMPLE_TERM.fullmatch(text)
        and text == text.strip("-_.'/")
        and text not in _WORD_OPERATORS
        and text not in SCOPE_NAMES
        and "/" not in text
    )
    text = text if plain else quote(text)
    return f"{term.scope}:{text}" if term.scope else text


def term_syntax(text: str) -> str:
    """How to write a user's word or phrase as one term of the syntax: as it is when it reads as a plain
    term, else in quotes (the advanced-search form builds queries with it)."""
    text = " ".join(text.split())
    written = normalise(text)
    if not text:
        return ""
    if " " not in text and _term_text(Term(written)) == written and parse(text).tree == Term(written):
        return text
    return quote(text)


def _phrase_text(node: And) -> str:
    """An AND of quoted terms of one scope, written back as the one phrase with spaces it came from."""
    terms = node.children
    if not all(isinstance(t, Term) and t.phrase for t in terms) or len({t.scope for t in terms}) != 1:
        return ""
    text = quote(" ".join(t.text for t in terms))
    return f"{terms[0].scope}:{text}" if terms[0].scope else text


def _near_text(node: Near) -> str:
    operator = {SENTENCE: "/s", PARAGRAPH: "/p"}.get(node.kind) or f"/{node.n}"
    return f"{_term_text(node.left)} {operator} {_term_text(node.right)}"


def to_text(node: Node | None) -> str:
    """The tree in the query syntax, with as few parentheses as it needs; parse(to_text(t)).tree == t."""
    if node is None:
        return ""
    if isinstance(node, Term):
        return _term_text(node)
    if isinstance(node, Near):
        return _near_text(node)
    if isinstance(node, Not):
        child = node.child
        inner = to_text(child)
        grouped = isinstance(child, Or) or (isinstance(child, And) and not _phrase_text(child))
        return f"-({inner})" if grouped else f"-{inner}"
    if isinstance(node, And):
        phrase = _phrase_text(node)
        if phrase:
            return phrase
        text = " ".join(f"({to_text(c)})" if isinstance(c, Or) else to_text(c) for c in node.children)
    else:
        text = " OR ".join(to_text(child) for child in node.children)
    return text


# --- reading a tree out ------------------------------------------------------------------------------


def scope_label(scope: str) -> str:
    return {
        "title": _("标题"),
        "heading": _("章节标题"),
        "issuer": _("发布机构"),
        "doc_number": _("文号"),
    }[scope]


def _quoted(text: str) -> str:
    return _("“%(term)s”") % {"term": text}


def _describe(node: Node, parent: type | None = None) -> str:
    if isinstance(node, Term):
        if node.scope:
            return _("%(field)s含%(term)s") % {"field": scope_label(node.scope), "term": _quoted(node.text)}
        return _quoted(node.text)
    if isinstance(node, Near):
        values = {"a": _quoted(node.left.text), "b": _quoted(node.right.text), "n": node.n}
        if node.kind == SENTENCE:
            return _("%(a)s与%(b)s在同一句中") % values
        if node.kind == PARAGRAPH:
            return _("%(a)s与%(b)s在同一段中") % values
        return _("%(a)s与%(b)s相距不超过 %(n)d 个字") % values
    if isinstance(node, Not):
        return _("不含%(what)s") % {"what": _describe(node.child, Not)}
    if isinstance(node, And):
        text = _("，且").join(_describe(child, And) for child in node.children)
    else:
        text = _("，或").join(_describe(child, Or) for child in node.children)
    return _("（%(inner)s）") % {"inner": text} if parent is not None else text


def describe(node: Node | None) -> str:
    """How the query was understood, in the active language: 按以下方式理解：“科技”，且不含“金融”."""
    if node is None:
        return ""
    return _("按以下方式理解：%(reading)s") % {"reading": _describe(node)}
