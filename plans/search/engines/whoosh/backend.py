"""haystack's Whoosh engine with a schema tuned for Chinese search (a subclass, not a fork).

haystack's `build_schema` turns every CharField into a stored, sortable TEXT with phrase positions. Our index
fields say what Whoosh field they need instead (attribute `whoosh_field(field) -> FieldType`): the big text
views are neither stored nor sortable, the unigram view has no positions, facets are plain IDs. Everything
else (the ID fields, `clear`) is haystack's own, except that `update` and `remove` (haystack's
`update_index` command) write through our writer (plans/search/indexing.py), which keeps Plan.index_status
and the compact stored form, and that haystack's `rebuild_index` command is ours (plans/management).
"""

from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from whoosh.fields import Schema


class PolicyWhooshBackend(WhooshSearchBackend):
    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        declared = {name: schema[name] for name in schema.names()}
        for field in fields.values():
            make = getattr(field, "whoosh_field", None)
            if make is not None:
                declared[field.index_fieldname] = make(field)
        return content_field_name, Schema(**declared)

    def update(self, index, iterable, commit=True):
        """haystack's update_index: index these plans through our writer (same documents, same status)."""
        from plans.search.indexing import index_plans

        index_plans([obj.pk for obj in iterable])

    def remove(self, obj_or_string, commit=True):
        """haystack's removal of one object (an instance or "plans.plan.<id>") through our writer."""
        from plans.search.indexing import remove_plan

        pk = getattr(obj_or_string, "pk", None)
        if pk is None:
            pk = str(obj_or_string).rsplit(".", 1)[-1]
        remove_plan(int(pk))


class PolicyWhooshEngine(WhooshEngine):
    backend = PolicyWhooshBackend
