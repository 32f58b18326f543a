"""Every write of the accounts app: saved searches, feed tokens, collections and their items, sign-up.

Keyword-only functions, one transaction each. Callers pass objects they fetched through accounts.selectors for
the requesting user, so a service never touches another user's rows. Views never save models themselves.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import (
    NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    Collection,
    CollectionItem,
    SavedSearch,
    new_feed_token,
)
from accounts.searching import canonical_query
from plans.models import Plan


def clean_name(name: str, *, fallback: str) -> str:
    """A name as stored: whitespace collapsed, cut to the field's length, `fallback` when empty."""
    name = " ".join((name or "").split())[:NAME_MAX_LENGTH]
    return name or fallback[:NAME_MAX_LENGTH]


def clean_note(note: str) -> str:
    """A note as stored: line ends normalised, trailing space trimmed, cut to the field's length."""
    return (note or "").replace("\r\n", "\n").strip()[:NOTE_MAX_LENGTH]


# --- accounts ------------------------------------------------------------------------------------------------


@transaction.atomic
def account_create(*, username: str, email: str, password: str) -> AbstractBaseUser:
    """A researcher's account (sign-up when ALLOW_SIGNUP is on); the form has validated the password."""
    return get_user_model().objects.create_user(username=username, email=email, password=password)


# --- saved searches ------------------------------------------------------------------------------------------


@transaction.atomic
def saved_search_create(*, user, name: str, query: str) -> SavedSearch:
    """Keep a search under a name. The query is stored canonical (page 1); saving the same state again renames
    the existing entry instead of making a second one."""
    query = canonical_query(query)
    now = timezone.now()
    name = clean_name(name, fallback=_("未命名检索"))
    existing = SavedSearch.objects.filter(user=user, query=query).first()
    if existing is not None:
        existing.name = name
        existing.save(update_fields=["name"])
        return existing
    return SavedSearch.objects.create(user=user, name=name, query=query, last_opened_at=now, alerts_since=now)


@transaction.atomic
def saved_search_rename(*, saved_search: SavedSearch, name: str) -> SavedSearch:
    saved_search.name = clean_name(name, fallback=saved_search.name)
    saved_search.save(update_fields=["name"])
    return saved_search


@transaction.atomic
def saved_search_delete(*, saved_search: SavedSearch) -> None:
    saved_search.delete()


@transaction.atomic
def saved_search_opened(*, saved_search: SavedSearch) -> SavedSearch:
    """The user opened the search: plans added until now are no longer new."""
    saved_search.last_opened_at = timezone.now()
    saved_search.save(update_fields=["last_opened_at"])
    return saved_search


@transaction.atomic
def saved_search_renew_token(*, saved_search: SavedSearch) -> SavedSearch:
    """A new private feed token; the old feed URL stops working at once."""
    saved_search.feed_token = new_feed_token()
    saved_search.save(update_fields=["feed_token"])
    return saved_search


@transaction.atomic
def saved_search_set_alerts(*, saved_search: SavedSearch, enabled: bool) -> SavedSearch:
    """Turn the e-mail alert of a search on or off; turned on again, it starts from now (no backlog)."""
    if enabled and not saved_search.alerts_enabled:
        saved_search.alerts_since = timezone.now()
    saved_search.alerts_enabled = enabled
    saved_search.save(update_fields=["alerts_enabled", "alerts_since"])
    return saved_search


# --- collections ---------------------------------------------------------------------------------------------


@transaction.atomic
def collection_create(*, user, name: str) -> Collection:
    return Collection.objects.create(user=user, name=clean_name(name, fallback=_("我的收藏")))


@transaction.atomic
def collection_rename(*, collection: Collection, name: str) -> Collection:
    collection.name = clean_name(name, fallback=collection.name)
    collection.save(update_fields=["name", "updated_at"])
    return collection


@transaction.atomic
def collection_delete(*, collection: Collection) -> None:
    collection.delete()


@transaction.atomic
def collection_add_plan(*, collection: Collection, plan: Plan, note: str = "") -> tuple[CollectionItem, bool]:
    """Put a plan at the end of a collection; a plan already there keeps its place (a new note replaces the
    old one only when one is given). Returns the item and whether it was added."""
    # Lock the collection row so two additions at once do not take the same position.
    Collection.objects.select_for_update().filter(pk=collection.pk).first()
    item = CollectionItem.objects.filter(collection=collection, plan=plan).first()
    if item is not None:
        if clean_note(note):
            item.note = clean_note(note)
            item.save(update_fields=["note"])
        return item, False
    last = collection.items.aggregate(last=Max("position"))["last"] or 0
    item = CollectionItem.objects.create(
        collection=collection, plan=plan, note=clean_note(note), position=last + 1
    )
    Collection.objects.filter(pk=collection.pk).update(updated_at=timezone.now())
    return item, True


@transaction.atomic
def collection_item_set_note(*, item: CollectionItem, note: str) -> CollectionItem:
    item.note = clean_note(note)
    item.save(update_fields=["note"])
    return item


@transaction.atomic
def collection_item_move(*, item: CollectionItem, offset: int) -> CollectionItem:
    """Move an item up (offset -1) or down (+1) by swapping places with its neighbour; at an end, nothing moves."""
    items = list(item.collection.items.select_for_update().order_by("position", "pk"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = index + (1 if offset > 0 else -1)
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        _renumber(items)
    return CollectionItem.objects.get(pk=item.pk)


@transaction.atomic
def collection_item_remove(*, item: CollectionItem) -> None:
    collection = item.collection
    item.delete()
    _renumber(list(collection.items.select_for_update().order_by("position", "pk")))


def _renumber(items: list[CollectionItem]) -> None:
    """Positions 1..n in the given order, written only where they changed."""
    changed = []
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position
            changed.append(item)
    if changed:
        CollectionItem.objects.bulk_update(changed, ["position"])
