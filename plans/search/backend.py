"""haystack's Whoosh engine with a schema tuned for Chinese search (a subclass, not a fork).

haystack's `build_schema` turns every CharField into a stored, sortable TEXT with phrase positions. Our index
fields say what Whoosh field they need instead (attribute `whoosh_field(field) -> FieldType`): the big text
views are neither stored nor sortable, the unigram view has no positions, facets are plain IDs. Everything
else (the ID fields, `update`, `remove`, `clear`, `rebuild_index`, `update_index`) is haystack's own.
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


class PolicyWhooshEngine(WhooshEngine):
    backend = PolicyWhooshBackend
