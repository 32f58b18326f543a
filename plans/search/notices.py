"""What the engine tells a reader about their query or the index, in the page's language.

Chinese is the source language; locale/en/LC_MESSAGES/django.po holds the English. Each function returns the
message translated for the active language (the request's, set by searchui's middleware).
"""

from django.utils.translation import gettext as _


def index_rebuilding() -> str:
    return _("检索索引正在从数据库重建，暂时无法给出结果，请稍后再试。")


def index_unavailable() -> str:
    return _("检索索引暂时无法读取，请稍后再试；索引文件未作改动。")
