"""haystack's view of the Tantivy index: the plan SearchIndex stays declared (its queryset feeds our writer),
and haystack's `update_index` writes through our writer. haystack has no Tantivy backend and does not
search here: queries go through plans/search's core and this adapter's reader."""

from haystack.backends.simple_backend import SimpleEngine, SimpleSearchBackend


class PolicyTantivyBackend(SimpleSearchBackend):
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

    def clear(self, models=None, commit=True):
        """haystack's clear_index: a new, empty generation (the old one stays on disk until the next switch)."""
        from plans.search.snapshot import hub

        hub.engine.create_empty()


class PolicyTantivyEngine(SimpleEngine):
    backend = PolicyTantivyBackend
