"""Thin views of the accounts app: read through accounts.selectors, write through accounts.services.

Every view under /me/ needs a logged-in user and looks objects up through that user, so another user's id
gives 404. Every change is a POST (Django's CSRF check applies) answered with a redirect (303).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import citations, feeds, searching, selectors, services
from accounts.forms import AddToCollectionForm, NameForm, NoteForm, SaveSearchForm, SignupForm
from searchui import export, links

JSON_OPTIONS = {"ensure_ascii": False}


def _see_other(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to a local `next` URL from the form (never another site), else to `fallback`."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = fallback
    response = redirect(target)
    response.status_code = 303
    return response


def _or_404(obj):
    if obj is None:
        raise Http404(_("没有找到。"))
    return obj


# --- sign-up -------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if not settings.ALLOW_SIGNUP:
        raise Http404(_("本站不开放注册，请联系管理员开通账户。"))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.account_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("accounts:searches", permanent=False)
    return render(request, "accounts/auth/signup.html", {"form": form})


# --- saved searches ------------------------------------------------------------------------------------------


def _saved_search_json(view: selectors.SavedSearchView, request: HttpRequest) -> dict:
    saved = view.saved_search
    return {
        "id": saved.pk,
        "name": saved.name,
        "url": request.build_absolute_uri(view.url),
        "count": view.count,
        "new": view.new_count,
        "last_opened": saved.last_opened_at.isoformat(),
        "alerts": saved.alerts_enabled,
        "created": saved.created_at.isoformat(),
    }


def _feed_url(saved_search) -> str:
    return links.path_of("accounts:search_feed", saved_search.pk, saved_search.feed_token)


@login_required
@require_http_methods(["GET", "POST"])
def searches(request: HttpRequest) -> HttpResponse:
    """GET: the user's saved searches with their counts; POST: save a search (the form on /search/)."""
    if request.method == "POST":
        form = SaveSearchForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("名称过长，检索未保存。"))
            return _see_other(request, links.path_of("searchui:search"))
        saved = services.saved_search_create(
            user=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
        )
        messages.success(request, _("已保存检索“%(name)s”。") % {"name": saved.name})
        return _see_other(request, links.path_of("accounts:searches"))
    views = selectors.saved_search_views(request.user)
    if request.GET.get("format") == "json":
        data = {"searches": [_saved_search_json(v, request) for v in views]}
        for item, view in zip(data["searches"], views, strict=True):
            item["feed_url"] = request.build_absolute_uri(_feed_url(view.saved_search))
        return JsonResponse(data, json_dumps_params=JSON_OPTIONS)
    rows = [{"view": v, "feed_url": request.build_absolute_uri(_feed_url(v.saved_search))} for v in views]
    return render(request, "accounts/searches.html", {"rows": rows})


@login_required
@require_POST
def search_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a saved search: mark it read (nothing is new any more) and go to its results."""
    saved = _or_404(selectors.saved_search_of(request.user, pk))
    services.saved_search_opened(saved_search=saved)
    response = redirect(links.search_url(searching.params_of(saved.query)))
    response.status_code = 303
    return response


@login_required
@require_POST
def search_rename(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _or_404(selectors.saved_search_of(request.user, pk))
    form = NameForm(request.POST)
    if form.is_valid():
        services.saved_search_rename(saved_search=saved, name=form.cleaned_data["name"])
        messages.success(request, _("已重命名。"))
    else:
        messages.error(request, _("名称过长，未修改。"))
    return _see_other(request, links.path_of("accounts:searches"))


@login_required
@require_POST
def search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _or_404(selectors.saved_search_of(request.user, pk))
    services.saved_search_delete(saved_search=saved)
    messages.success(request, _("已删除检索“%(name)s”。") % {"name": saved.name})
    return _see_other(request, links.path_of("accounts:searches"))


@login_required
@require_POST
def search_renew_token(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _or_404(selectors.saved_search_of(request.user, pk))
    services.saved_search_renew_token(saved_search=saved)
    messages.success(request, _("已更换订阅地址，旧地址已失效。"))
    return _see_other(request, links.path_of("accounts:searches"))


@login_required
@require_POST
def search_alerts(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _or_404(selectors.saved_search_of(request.user, pk))
    enabled = request.POST.get("enabled") == "1"
    services.saved_search_set_alerts(saved_search=saved, enabled=enabled)
    messages.success(request, _("已开启邮件提醒。") if enabled else _("已关闭邮件提醒。"))
    return _see_other(request, links.path_of("accounts:searches"))


@require_GET
def search_feed(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The private Atom feed of a saved search: no log-in, the unguessable token in the URL instead."""
    saved = _or_404(selectors.saved_search_for_feed(pk, token))
    params = searching.params_of(saved.query)
    body = feeds.search_feed(
        params,
        title=_("政策检索：%(name)s") % {"name": saved.name},
        feed_url=request.build_absolute_uri(),
        absolute=request.build_absolute_uri,
    )
    response = HttpResponse(body, content_type=feeds.FEED_CONTENT_TYPE)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak through links in a feed reader
    return response


# --- collections ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def collections(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NameForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("名称过长，收藏夹未创建。"))
            return _see_other(request, links.path_of("accounts:collections"))
        collection = services.collection_create(user=request.user, name=form.cleaned_data["name"])
        return _see_other(request, links.path_of("accounts:collection", collection.pk))
    items = list(selectors.collections(request.user))
    if request.GET.get("format") == "json":
        data = {
            "collections": [
                {
                    "id": c.pk,
                    "name": c.name,
                    "count": c.item_count,
                    "url": request.build_absolute_uri(links.path_of("accounts:collection", c.pk)),
                }
                for c in items
            ]
        }
        return JsonResponse(data, json_dumps_params=JSON_OPTIONS)
    return render(request, "accounts/collections.html", {"collections": items})


@login_required
@require_POST
def collection_add(request: HttpRequest) -> HttpResponse:
    """Add a plan (from a results or plan page) to one of the user's collections or to a new one."""
    form = AddToCollectionForm(request.POST)
    plan = selectors.plan_of(request.POST.get("plan"))
    if plan is None:
        raise Http404(_("没有这份规划文件。"))
    if not form.is_valid():
        messages.error(request, _("名称或笔记过长，未加入收藏夹。"))
        return _see_other(request, plan.get_absolute_url())
    choice = form.cleaned_data["collection"]
    if choice:
        collection = _or_404(selectors.collection_of(request.user, _int(choice)))
    else:
        collection = services.collection_create(user=request.user, name=form.cleaned_data["new_name"])
    _item, added = services.collection_add_plan(
        collection=collection, plan=plan, note=form.cleaned_data["note"]
    )
    if added:
        messages.success(request, _("已加入收藏夹“%(name)s”。") % {"name": collection.name})
    else:
        messages.info(request, _("收藏夹“%(name)s”中已有这份文件。") % {"name": collection.name})
    return _see_other(request, links.path_of("accounts:collection", collection.pk))


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _collection_json(collection, items, absolute) -> dict:
    return {
        "id": collection.pk,
        "name": collection.name,
        "count": len(items),
        "items": [
            {
                "id": item.pk,
                "position": item.position,
                "note": item.note,
                "added": item.added_at.isoformat(),
                "plan": export.plan_metadata(item.plan, absolute),
            }
            for item in items
        ],
    }


def _download(lines, content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse((line.encode("utf-8") for line in lines), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def collection(request: HttpRequest, pk: int) -> HttpResponse:
    """One collection: its plans in order with notes; ?format=csv, ris, bibtex or json to export it."""
    collection = _or_404(selectors.collection_of(request.user, pk))
    items = selectors.collection_items(collection)
    plans = [item.plan for item in items]
    absolute = request.build_absolute_uri
    fmt = request.GET.get("format", "html").lower()
    filename = f"collection-{collection.pk}"
    if fmt == "json":
        return JsonResponse(_collection_json(collection, items, absolute), json_dumps_params=JSON_OPTIONS)
    if fmt == "csv":
        notes = {item.plan_id: item.note for item in items}
        rows = export.csv_rows(plans, absolute, extra=[(_("笔记"), lambda plan: notes[plan.pk])])
        return _download(rows, "text/csv; charset=utf-8", f"{filename}.csv")
    if fmt in citations.EXPORT_FORMATS:
        content_type, extension = citations.EXPORT_FORMATS[fmt]
        lines = citations.export_lines(fmt, plans, absolute, timezone.localdate())
        return _download(lines, content_type, f"{filename}.{extension}")
    path = links.path_of("accounts:collection", collection.pk)
    today = timezone.localdate()
    context = {
        "collection": collection,
        "items": items,
        "references": [citations.gbt7714(citations.citation_fields(p, absolute, today)) for p in plans],
        "export": {fmt: f"{path}?format={fmt}" for fmt in ("csv", "ris", "bibtex", "json")},
    }
    return render(request, "accounts/collection.html", context)


@login_required
@require_POST
def collection_rename(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _or_404(selectors.collection_of(request.user, pk))
    form = NameForm(request.POST)
    if form.is_valid():
        services.collection_rename(collection=collection, name=form.cleaned_data["name"])
        messages.success(request, _("已重命名。"))
    else:
        messages.error(request, _("名称过长，未修改。"))
    return _see_other(request, links.path_of("accounts:collection", collection.pk))


@login_required
@require_POST
def collection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    collection = _or_404(selectors.collection_of(request.user, pk))
    services.collection_delete(collection=collection)
    messages.success(request, _("已删除收藏夹“%(name)s”。") % {"name": collection.name})
    return _see_other(request, links.path_of("accounts:collections"))


@login_required
@require_POST
def item_note(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _or_404(selectors.item_of(request.user, pk, item_pk))
    form = NoteForm(request.POST)
    if form.is_valid():
        services.collection_item_set_note(item=item, note=form.cleaned_data["note"])
        messages.success(request, _("笔记已保存。"))
    else:
        messages.error(
            request, _("笔记过长（最多 %(n)d 字），未保存。") % {"n": NoteForm.base_fields["note"].max_length}
        )
    return _see_other(request, links.path_of("accounts:collection", pk) + f"#item-{item.pk}")


@login_required
@require_POST
def item_move(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _or_404(selectors.item_of(request.user, pk, item_pk))
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.collection_item_move(item=item, offset=offset)
    return _see_other(request, links.path_of("accounts:collection", pk) + f"#item-{item.pk}")


@login_required
@require_POST
def item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _or_404(selectors.item_of(request.user, pk, item_pk))
    title = item.plan.title
    services.collection_item_remove(item=item)
    messages.success(request, _("已从收藏夹移除“%(title)s”。") % {"title": title})
    return _see_other(request, links.path_of("accounts:collection", pk))
