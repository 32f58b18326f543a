"""What the engine tells a reader about their query or the index, in the page's language.

Chinese is the source language; locale/en/LC_MESSAGES/django.po holds the English. Each function returns the
message translated for the active language (the request's, set by searchui's middleware).
"""

from django.utils.translation import gettext as _

from plans.search import limits


def symbols_dropped() -> str:
    return _("查询已简化：已忽略无法检索的符号（如表情符号、控制字符）。")


def query_too_long() -> str:
    return _("查询过长，只检索前 %(n)d 个字符。") % {"n": limits.MAX_QUERY_CHARS}


def unbalanced_quote() -> str:
    return _("查询已简化：引号不成对，已按普通词检索。")


def operators_ignored() -> str:
    return _("查询已简化：不支持 OR 等逻辑运算符，多个词按“同时包含”检索。")


def punctuation_splits() -> str:
    return _("查询已简化：标点和特殊符号被当作词语之间的分隔。")


def term_too_long() -> str:
    return _("查询已简化：过长的词只检索前 %(n)d 个字。") % {"n": limits.MAX_TERM_CHARS}


def too_many_terms() -> str:
    return _("查询已简化：只检索前 %(n)d 个词。") % {"n": limits.MAX_TERMS}


def index_rebuilding() -> str:
    return _("检索索引正在从数据库重建，暂时无法给出结果，请稍后再试。")


def index_unavailable() -> str:
    return _("检索索引暂时无法读取，请稍后再试；索引文件未作改动。")
