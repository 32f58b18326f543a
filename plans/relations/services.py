"""Writes of the relations tables. Called from plans.services' write functions (never signals or views).

    update_plan_relations(plan=...)   after a plan's text was saved: its keys, citations and passages
    plan_metadata_changed(plan=...)   after its title, number, region or date changed: keys, group counts
    remove_plan_relations(plan=...)   before a plan is deleted
    rebuild_relations()               everything again, oldest plan first (manage.py rebuild_relations)

Incremental: a new plan looks up only the groups whose exact hash or LSH band keys it shares (indexed
queries), and recounts only the groups it touched. Each group also keeps its oldest plans (`earliest`, what
the plan page's 另见 links show): a new plan is merged into its groups' lists; a plan leaving a group, or
changing its date or region, has those groups' lists worked out again from their members.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from plans.models import Citation, CitedDocument, Passage, PassageBand, PassageGroup, Plan, PlanKey
from plans.relations import citations as cite
from plans.relations import reuse
from plans.relations.text import content

QUERY_CHUNK = 500  # values per IN (…): well under SQLite's parameter limit


def _chunked(values: Sequence, size: int = QUERY_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ---------------------------------------------------------------------------------------------------- keys


class KeyResolver:
    """Which plan a cited document is: a key (number or title) names a plan only when exactly one plan has it."""

    def plans_with(self, key: str) -> list[int]:
        return list(PlanKey.objects.filter(key=key).values_list("plan_id", flat=True)[:2])

    def resolve(self, number_key: str, title_key: str) -> int | None:
        for key in (f"n:{number_key}" if number_key else "", f"t:{title_key}" if title_key else ""):
            if key:
                found = self.plans_with(key)
                if len(found) == 1:
                    return found[0]
        return None


class MemoryKeyResolver(KeyResolver):
    """The same answers from a dict of every plan's keys (rebuild)."""

    def __init__(self, keys: dict[str, list[int]]):
        self.keys = keys

    def plans_with(self, key: str) -> list[int]:
        return self.keys.get(key, [])[:2]


def _split_keys(keys: Iterable[str]) -> tuple[list[str], list[str]]:
    keys = list(keys)
    return [k[2:] for k in keys if k.startswith("n:")], [k[2:] for k in keys if k.startswith("t:")]


def _relink_documents(plan: Plan, keys: set[str]) -> None:
    """Point documents at `plan` when it is now the one plan with their key, and re-resolve those that pointed
    at it before (a changed title or number, or a second plan with the same key)."""
    numbers, titles = _split_keys(keys)
    affected = CitedDocument.objects.filter(
        Q(plan=plan)
        | Q(number_key__in=numbers, number_key__gt="")
        | Q(title_key__in=titles, title_key__gt="")
    )
    resolver = KeyResolver()
    for document in affected:
        plan_id = resolver.resolve(document.number_key, document.title_key)
        if plan_id != document.plan_id:
            document.plan_id = plan_id
            document.save(update_fields=["plan"])


def _update_keys(plan: Plan) -> None:
    wanted = cite.plan_keys(plan.title, plan.doc_number)
    current = set(PlanKey.objects.filter(plan=plan).values_list("key", flat=True))
    if wanted != current:
        PlanKey.objects.filter(plan=plan, key__in=current - wanted).delete()
        PlanKey.objects.bulk_create(PlanKey(plan=plan, key=key) for key in wanted - current)
    _relink_documents(plan, wanted | current)


# ----------------------------------------------------------------------------------------------- citations


class DocumentCache:
    """CitedDocument rows by key during one plan's (or a rebuild's) citations, so each is read once."""

    def __init__(self, resolver: KeyResolver, memory: bool = False):
        self.resolver = resolver
        self.memory = memory  # a rebuild starts from empty tables: what is not cached does not exist
        self.by_number: dict[str, CitedDocument] = {}
        self.by_title: dict[str, CitedDocument] = {}

    def _lookup_number(self, key: str) -> CitedDocument | None:
        if key not in self.by_number and not self.memory:
            document = CitedDocument.objects.filter(number_key=key).first()
            if document:
                self.by_number[key] = document
        return self.by_number.get(key)

    def _lookup_title(self, key: str) -> CitedDocument | None:
        """A document with this title: one with a number if there is one."""
        if key not in self.by_title and not self.memory:
            document = (
                CitedDocument.objects.filter(title_key=key).order_by(F("number_key").desc(), "pk").first()
            )
            if document:
                self.by_title[key] = document
        return self.by_title.get(key)

    def document(self, title: str, doc_number: str) -> CitedDocument:
        """The one document for a mention, created when new; a number met with a title for the first time
        absorbs the title-only document of that title."""
        nkey, tkey = cite.number_key(doc_number), cite.title_key(title)
        if nkey:
            document = self._lookup_number(nkey)
            if document is None:
                document = _create_document(
                    title=title[:300], doc_number=doc_number[:100], number_key=nkey, title_key=tkey,
                    plan_id=self.resolver.resolve(nkey, tkey),
                )  # fmt: skip
                self.by_number[nkey] = document
            elif tkey and not document.title_key:
                document.title, document.title_key = title[:300], tkey
                document.plan_id = document.plan_id or self.resolver.resolve(nkey, tkey)
                document.save(update_fields=["title", "title_key", "plan"])
            if tkey:
                self._absorb_title_only(document, tkey)
                self.by_title[tkey] = document
            return document
        document = self._lookup_title(tkey)
        if document is None:
            document = _create_document(
                title=title[:300], doc_number="", number_key="", title_key=tkey,
                plan_id=self.resolver.resolve("", tkey),
            )  # fmt: skip
            self.by_title[tkey] = document
        return document

    def _absorb_title_only(self, numbered: CitedDocument, tkey: str) -> None:
        if self.memory:
            previous = self.by_title.get(tkey)
            if previous is None or previous.pk == numbered.pk or previous.number_key:
                return
            orphans = [previous]
        else:
            orphans = list(CitedDocument.objects.filter(title_key=tkey, number_key=""))
        for orphan in orphans:
            already = set(Citation.objects.filter(document=numbered).values_list("plan_id", flat=True))
            Citation.objects.filter(document=orphan).exclude(plan_id__in=already).update(document=numbered)
            orphan.delete()


def _create_document(**fields) -> CitedDocument:
    """A new cited document, or the one another transaction created under the same key meanwhile.

    Two plans naming the same new document may be saved at once: both find no row, both insert, and the unique
    constraint on the key (number, else title) makes the second insert wait for the first transaction and then
    fail. The insert runs in a savepoint so that the failure leaves the plan's own transaction usable, and the
    row the other transaction committed is read instead (a new statement sees it under READ COMMITTED)."""
    try:
        with transaction.atomic():
            return CitedDocument.objects.create(**fields)
    except IntegrityError:
        if fields["number_key"]:
            return CitedDocument.objects.get(number_key=fields["number_key"])
        return CitedDocument.objects.get(title_key=fields["title_key"], number_key="")


def _citations_of(plan: Plan, documents: DocumentCache) -> list[Citation]:
    """One Citation per document the plan names (other than itself), first mention kept, mentions counted."""
    found = cite.mentions(plan.text)
    # A title the plan itself gives a number to (《X》（国发…）) is that numbered document wherever it is named.
    numbered_titles = {cite.title_key(m.title): m.doc_number for m in found if m.title and m.doc_number}
    rows: dict[int, Citation] = {}
    for mention in found:
        number = mention.doc_number or numbered_titles.get(cite.title_key(mention.title), "")
        document = documents.document(mention.title, number)
        if document.plan_id == plan.pk:
            continue
        if document.pk in rows:
            rows[document.pk].mentions += 1
            continue
        rows[document.pk] = Citation(
            plan=plan, document=document, title=mention.title[:300], doc_number=number[:100],
            offset=mention.offset,
        )  # fmt: skip
    return list(rows.values())


def _update_citations(plan: Plan) -> None:
    before = set(Citation.objects.filter(plan=plan).values_list("document_id", flat=True))
    Citation.objects.filter(plan=plan).delete()
    Citation.objects.bulk_create(_citations_of(plan, DocumentCache(KeyResolver())))
    _drop_uncited(before)


def _drop_uncited(document_ids: Iterable[int]) -> None:
    CitedDocument.objects.filter(pk__in=list(document_ids), citations__isnull=True).delete()


# ------------------------------------------------------------------------------------------------ passages


def insert_rows(model, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Multi-row INSERTs of plain tuples: a rebuild writes millions of band and passage rows, and building a
    model instance per row costs more than the database does."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    per_statement = max(1, 800 // len(columns))  # parameters per statement well under every backend's limit
    placeholder = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for chunk in _chunked(rows, per_statement):
            values = ", ".join([placeholder] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {values}",  # noqa: S608 — names from the model
                [value for row in chunk for value in row],
            )


PASSAGE_COLUMNS = ("plan", "group", "region", "start", "end")


class RowWriter:
    """Writes the rows of new groups, bands and passages now (one plan at a time); returns the new group ids."""

    def groups(self, rows: list[tuple[str, str]]) -> list[int]:
        created = PassageGroup.objects.bulk_create(
            PassageGroup(text=t, text_hash=h, earliest=[]) for t, h in rows
        )
        return [group.pk for group in created]

    def bands(self, rows: list[tuple[int, int]]) -> None:
        insert_rows(PassageBand, ("key", "group"), rows)

    def passages(self, rows: list[tuple[int, int, int | None, int, int]]) -> None:
        insert_rows(Passage, PASSAGE_COLUMNS, rows)

    def flush(self) -> None:
        """Nothing is held back."""


class BatchWriter(RowWriter):
    """For a rebuild into empty tables: group ids are numbered here, and rows are written in large batches;
    the id sequence is reset after each batch."""

    BATCH = 50_000

    def __init__(self):
        self.next_id = 1
        self.pending: dict[type, list] = {PassageGroup: [], PassageBand: [], Passage: []}

    def groups(self, rows):
        ids = list(range(self.next_id, self.next_id + len(rows)))
        self.next_id += len(rows)
        self._add(PassageGroup, [(i, t, h, 0, 0) for i, (t, h) in zip(ids, rows, strict=True)])
        return ids

    def bands(self, rows):
        self._add(PassageBand, rows)

    def passages(self, rows):
        self._add(Passage, rows)

    def _add(self, model, rows) -> None:
        self.pending[model].extend(rows)
        if sum(len(rows) for rows in self.pending.values()) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        columns = {
            PassageGroup: ("id", "text", "text_hash", "plan_count", "region_count"),
            PassageBand: ("key", "group"),
            Passage: PASSAGE_COLUMNS,
        }
        for model in (PassageGroup, PassageBand, Passage):  # groups first: the others point at them
            insert_rows(model, columns[model], self.pending[model])
            self.pending[model] = []
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [PassageGroup]):
                cursor.execute(statement)


class GroupIndex:
    """Where passage groups are found: by exact content hash, by LSH band key, and their contents."""

    def __init__(self, writer: RowWriter | None = None):
        self.writer = writer or RowWriter()

    def by_hash(self, hashes: Sequence[str]) -> dict[str, int]:
        found = {}
        for chunk in _chunked(list(hashes)):
            found.update(PassageGroup.objects.filter(text_hash__in=chunk).values_list("text_hash", "pk"))
        return found

    def candidates(self, keys: Sequence[int]) -> dict[int, set[int]]:
        found: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunked(list(keys)):
            for key, group in PassageBand.objects.filter(key__in=chunk).values_list("key", "group_id"):
                found[key].add(group)
        return found

    def contents(self, group_ids: Sequence[int]) -> dict[int, str]:
        found = {}
        for chunk in _chunked(list(group_ids)):
            for pk, text in PassageGroup.objects.filter(pk__in=chunk).values_list("pk", "text"):
                found[pk] = content(text)
        return found

    def added(self, group_id: int, text_hash: str, core: str, keys: Sequence[int]) -> None:
        """A group was created (the database index needs nothing: the rows are its index)."""


class MemoryGroupIndex(GroupIndex):
    """The same lookups in dicts, for a rebuild that has every group in hand. Kept compact because it holds
    every group of the collection: a band key maps to its first group as a plain int (most keys have one),
    and only keys shared by several groups get a list."""

    def __init__(self, writer: RowWriter | None = None):
        super().__init__(writer)
        self.hashes: dict[str, int] = {}
        self.first_band: dict[int, int] = {}
        self.more_bands: dict[int, list[int]] = {}
        self.cores: dict[int, str] = {}

    def by_hash(self, hashes):
        return {h: self.hashes[h] for h in hashes if h in self.hashes}

    def candidates(self, keys):
        found = {}
        for key in keys:
            first = self.first_band.get(key)
            if first is not None:
                found[key] = {first, *self.more_bands.get(key, ())}
        return found

    def contents(self, group_ids):
        return {g: self.cores[g] for g in group_ids}

    def added(self, group_id, text_hash, core, keys):
        self.hashes[text_hash] = group_id
        self.cores[group_id] = core
        for key in keys:
            if self.first_band.setdefault(key, group_id) != group_id:
                self.more_bands.setdefault(key, []).append(group_id)


def _store_passages(plan: Plan, index: GroupIndex) -> set[int]:
    """Cut the plan into passages, put each in an existing group (exact hash, else an LSH candidate confirmed
    by exact shingle similarity) or a new one, and write the rows; returns the groups used."""
    items = reuse.passages(plan.text)
    if not items:
        return set()
    hashes = [reuse.content_hash(p.content) for p in items]
    exact = index.by_hash(sorted(set(hashes)))
    pending = [k for k, h in enumerate(hashes) if h not in exact]
    band_keys = dict(zip(pending, reuse.band_keys_many([items[k].content for k in pending]), strict=True))
    candidates = index.candidates(sorted({key for keys in band_keys.values() for key in keys}))
    cores = index.contents(sorted({g for groups in candidates.values() for g in groups}))
    # New groups of this plan, by a local number until they are written (two near sentences of one plan share).
    new_groups: list[tuple[str, str, str, list[int]]] = []  # text, hash, content, band keys
    local_bands: dict[int, set[int]] = defaultdict(set)
    local_hash: dict[str, int] = {}
    assigned: list[tuple[str, int]] = []  # ("old", group id) or ("new", local number)
    for k, item in enumerate(items):
        if hashes[k] in exact:
            assigned.append(("old", exact[hashes[k]]))
            continue
        if hashes[k] in local_hash:
            assigned.append(("new", local_hash[hashes[k]]))
            continue
        keys = band_keys[k]
        best: tuple[float, str, int] | None = None
        for group in {g for key in keys for g in candidates.get(key, ())}:
            score = reuse.similarity(item.content, cores[group])
            if score >= reuse.SIMILARITY_THRESHOLD and (best is None or score > best[0]):
                best = (score, "old", group)
        for local in {n for key in keys for n in local_bands.get(key, ())}:
            score = reuse.similarity(item.content, new_groups[local][2])
            if score >= reuse.SIMILARITY_THRESHOLD and (best is None or score > best[0]):
                best = (score, "new", local)
        if best is not None:
            assigned.append((best[1], best[2]))
            continue
        local = len(new_groups)
        new_groups.append((item.text, hashes[k], item.content, keys))
        local_hash[hashes[k]] = local
        for key in keys:
            local_bands[key].add(local)
        assigned.append(("new", local))
    created = index.writer.groups([(text, text_hash) for text, text_hash, _, _ in new_groups])
    index.writer.bands(
        [(key, gid) for gid, (_, _, _, keys) in zip(created, new_groups, strict=True) for key in keys]
    )
    for gid, (_, text_hash, core, keys) in zip(created, new_groups, strict=True):
        index.added(gid, text_hash, core, keys)
    group_ids = [gid if kind == "old" else created[gid] for kind, gid in assigned]
    index.writer.passages(
        [
            (plan.pk, gid, plan.region_id, item.start, item.end)
            for item, gid in zip(items, group_ids, strict=True)
        ]
    )
    return set(group_ids)


def recount_groups(group_ids: Iterable[int] | None = None) -> None:
    """Set plan_count and region_count of the given groups (all when None) from their passages; groups left
    without passages are deleted."""
    members = Passage.objects.filter(group=OuterRef("pk")).order_by().values("group")
    plans = members.annotate(n=Count("plan", distinct=True)).values("n")
    regions = members.annotate(n=Count("region", distinct=True)).values("n")
    groups = PassageGroup.objects.all()
    ids = None if group_ids is None else sorted(set(group_ids))
    batches = [groups] if ids is None else [groups.filter(pk__in=chunk) for chunk in _chunked(ids)]
    for batch in batches:
        batch.update(
            plan_count=Coalesce(Subquery(plans, output_field=IntegerField()), Value(0)),
            region_count=Coalesce(Subquery(regions, output_field=IntegerField()), Value(0)),
        )
        batch.filter(plan_count=0).delete()


def count_membership(plan: Plan, groups: Iterable[int], delta: int) -> None:
    """`plan` joined (delta +1) or left (-1) these groups: their plan count moves by one, their region count
    too unless another plan of its region is (still) in the group, which is one probe of the (group, region,
    plan) index. Groups left without plans are deleted. Counting the members instead would cost as much as
    the largest groups (boilerplate is in nearly every plan)."""
    ids = sorted(set(groups))
    if not ids:
        return
    if plan.region_id is None:
        region_change = Value(0)
    else:
        others = Passage.objects.filter(group=OuterRef("pk"), region_id=plan.region_id).exclude(plan=plan)
        region_change = Case(When(Exists(others), then=Value(0)), default=Value(delta))
    for chunk in _chunked(ids):
        batch = PassageGroup.objects.filter(pk__in=chunk)
        batch.update(plan_count=F("plan_count") + delta, region_count=F("region_count") + region_change)
        if delta < 0:
            batch.filter(plan_count__lte=0).delete()


def _update_passages(plan: Plan) -> None:
    before = set(Passage.objects.filter(plan=plan).values_list("group_id", flat=True))
    Passage.objects.filter(plan=plan).delete()
    used = _store_passages(plan, GroupIndex())
    # Counted after the plan's rows are in place: a group it left is checked against the plans still there.
    count_membership(plan, before - used, -1)
    count_membership(plan, used - before, +1)
    # A re-saved plan may have a new date too: the groups it was in are worked out again; a new plan (the
    # ingest of a collection) is only merged into its groups' lists, whatever their size.
    refresh_earliest(before)
    _join_earliest(plan, used - before)


EARLIEST_RANGE = 5_000  # group ids per query when every group's list is worked out


def earliest_entry(plan_id: int, region_id: int, year: int | None, published_on) -> list:
    """One entry of PassageGroup.earliest (JSON: the date as an ISO string)."""
    return [plan_id, region_id, year, published_on.isoformat() if published_on else None]


def earliest_key(entry: Sequence) -> tuple:
    """The order of PassageGroup.earliest: year, publication date (unknown ones last), plan id."""
    plan_id, _region, year, published = entry
    return (year is None, year or 0, published is None, published or "", plan_id)


def _oldest_members(groups) -> dict[int, list[list]]:
    """{group id: its reuse.EARLIEST_KEPT oldest plans with a region} for the passages of `groups` (a queryset
    filter on group), read oldest first."""
    rows = (
        groups.exclude(region=None)
        .order_by(
            "group_id",
            F("plan__year").asc(nulls_last=True),
            F("plan__published_on").asc(nulls_last=True),
            "plan_id",
        )
        .values_list("group_id", "plan_id", "region_id", "plan__year", "plan__published_on")
    )
    found: dict[int, list[list]] = defaultdict(list)
    for group, plan_id, region, year, published in rows.iterator(chunk_size=10_000):
        kept = found[group]
        if len(kept) < reuse.EARLIEST_KEPT and (not kept or kept[-1][0] != plan_id):
            kept.append(earliest_entry(plan_id, region, year, published))
    return found


def _write_earliest(lists: dict[int, list | None]) -> None:
    """Set PassageGroup.earliest of many groups: one UPDATE … FROM (VALUES …) per few hundred (a rebuild writes
    every group; a statement a group cost a rebuild of 10,000 plans almost a minute)."""
    table = connection.ops.quote_name(PassageGroup._meta.db_table)
    column = connection.ops.quote_name(PassageGroup._meta.get_field("earliest").column)
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    rows = [(pk, None if value is None else json.dumps(value)) for pk, value in lists.items()]
    with connection.cursor() as cursor:
        for chunk in _chunked(rows, 400):
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                # VALUES names its columns column1, column2 on both PostgreSQL and SQLite
                f"UPDATE {table} SET {column} = v.column2{cast} FROM (VALUES {values}) AS v"  # noqa: S608
                f" WHERE {table}.id = v.column1",
                [value for row in chunk for value in row],
            )


def _refresh(passages, groups) -> None:
    """Work out the lists of the `groups` still there (a PassageGroup queryset) from their `passages`."""
    found = _oldest_members(passages)
    _write_earliest({pk: found.get(pk, []) for pk in groups.values_list("pk", flat=True)})


def refresh_earliest(group_ids: Iterable[int] | None = None) -> None:
    """Work out PassageGroup.earliest of the given groups (every group when None) from their members."""
    if group_ids is None:
        top = PassageGroup.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for low in range(1, top + 1, EARLIEST_RANGE):
            high = low + EARLIEST_RANGE - 1
            _refresh(
                Passage.objects.filter(group_id__gte=low, group_id__lte=high),
                PassageGroup.objects.filter(pk__gte=low, pk__lte=high),
            )
        return
    for chunk in _chunked(sorted(set(group_ids))):
        _refresh(Passage.objects.filter(group_id__in=chunk), PassageGroup.objects.filter(pk__in=chunk))


def _join_earliest(plan: Plan, group_ids: Iterable[int]) -> None:
    """`plan` joined these groups: merged into their lists (a list not worked out yet stays so)."""
    if plan.region_id is None:
        return
    entry = earliest_entry(plan.pk, plan.region_id, plan.year, plan.published_on)
    changed: dict[int, list] = {}
    for chunk in _chunked(sorted(set(group_ids))):
        for pk, kept in PassageGroup.objects.filter(pk__in=chunk).values_list("pk", "earliest"):
            if kept is None or any(item[0] == plan.pk for item in kept):
                continue
            merged = sorted([*kept, entry], key=earliest_key)[: reuse.EARLIEST_KEPT]
            if merged != kept:
                changed[pk] = merged
    _write_earliest(changed)


# ------------------------------------------------------------------------------------------ the public API


@transaction.atomic
def update_plan_relations(*, plan: Plan) -> None:
    """Keys, citations and passages of a plan whose text was (re)saved; links to and from it follow."""
    _update_keys(plan)
    _update_citations(plan)
    _update_passages(plan)


@transaction.atomic
def plan_metadata_changed(*, plan: Plan) -> None:
    """A plan's title, number, region or date changed without its text: keys, links, the region counts and
    the order of its groups' oldest plans."""
    _update_keys(plan)
    passages = Passage.objects.filter(plan=plan)
    groups = set(passages.values_list("group_id", flat=True))
    if passages.exclude(region_id=plan.region_id).exists():  # its region changed: the copies and the counts
        passages.update(region_id=plan.region_id)
        recount_groups(groups)
    refresh_earliest(groups)  # its date or region may have moved it in its groups' order


@transaction.atomic
def remove_plan_relations(*, plan: Plan) -> None:
    """Before a plan is deleted: its rows go, the groups and documents it touched are recounted or dropped,
    and documents that were this plan are resolved again (another plan may now be the only one with a key)."""
    groups = set(Passage.objects.filter(plan=plan).values_list("group_id", flat=True))
    documents = set(Citation.objects.filter(plan=plan).values_list("document_id", flat=True))
    Passage.objects.filter(plan=plan).delete()
    count_membership(plan, groups, -1)
    refresh_earliest(groups)
    Citation.objects.filter(plan=plan).delete()
    keys = set(PlanKey.objects.filter(plan=plan).values_list("key", flat=True))
    PlanKey.objects.filter(plan=plan).delete()
    _drop_uncited(documents)
    _relink_documents(plan, keys)


@dataclass
class RebuildReport:
    plans: int
    passages: int
    groups: int
    documents: int
    citations: int
    seconds: float


def _clear_tables() -> None:
    # Plain DELETEs: Django's delete() would first load every group to cascade by hand.
    with connection.cursor() as cursor:
        for model in (Passage, PassageBand, Citation, PassageGroup, CitedDocument, PlanKey):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


@transaction.atomic
def rebuild_relations(*, progress: Callable[[int, int], None] | None = None) -> RebuildReport:
    """Recompute every relation from the plans, oldest first (so a group's text is its first appearance)."""
    started = time.perf_counter()
    _clear_tables()
    fields = ("pk", "title", "doc_number")
    keys: dict[str, list[int]] = defaultdict(list)
    rows = []
    for pk, title, doc_number in Plan.objects.order_by("pk").values_list(*fields):
        for key in sorted(cite.plan_keys(title, doc_number)):
            keys[key].append(pk)
            rows.append(PlanKey(plan_id=pk, key=key))
    PlanKey.objects.bulk_create(rows, batch_size=2000)
    documents = DocumentCache(MemoryKeyResolver(keys), memory=True)
    index = MemoryGroupIndex(BatchWriter())
    order = ("year", "published_on", "pk")
    ids = list(
        Plan.objects.order_by(*(F(f).asc(nulls_last=True) for f in order)).values_list("pk", flat=True)
    )
    for done, pk in enumerate(ids, start=1):
        plan = Plan.objects.only("pk", "text", "region").get(pk=pk)
        Citation.objects.bulk_create(_citations_of(plan, documents))
        _store_passages(plan, index)
        if progress:
            progress(done, len(ids))
    index.writer.flush()
    del index, documents  # the rebuild's lookups, before the counts are taken
    recount_groups()
    refresh_earliest()
    if connection.vendor == "postgresql":
        # Every row of these tables is new: without fresh statistics the planner may scan where the pages and
        # the next ingest expect index lookups (autovacuum would get there, later).
        with connection.cursor() as cursor:
            for model in (PassageGroup, PassageBand, Passage, Citation, CitedDocument, PlanKey):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return RebuildReport(
        plans=len(ids),
        passages=Passage.objects.count(),
        groups=PassageGroup.objects.count(),
        documents=CitedDocument.objects.count(),
        citations=Citation.objects.count(),
        seconds=time.perf_counter() - started,
    )
