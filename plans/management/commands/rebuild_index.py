"""haystack's rebuild_index, without its empty window: the new index is written aside and switched to at the end.

haystack's own command clears the index and then updates it, so searches find nothing until it finishes (and a
crash half-way leaves a partial index). This command keeps haystack's options and calls
plans.search.rebuild_index(), which writes a new index folder and switches to it when it is complete.
(`plans` is listed before `haystack` in INSTALLED_APPS so that this command is the one Django runs.)
"""

from haystack.management.commands.rebuild_index import Command as HaystackRebuildCommand

from plans.search import rebuild_index


class Command(HaystackRebuildCommand):
    help = "重建检索索引：新索引写完后一次切换，重建期间检索照常使用旧索引。"

    def handle(self, **options):
        if options.get("interactive", True):
            answer = input(
                "Rebuild the search index from the database? Searches keep using the current index until the "
                "new one is complete. [y/N] "
            )
            if answer.strip().lower() not in ("y", "yes"):
                self.stdout.write("No changes made.")
                return
        batch_size = options.get("batchsize") or None
        workers = options.get("workers") or None
        count = rebuild_index(**({"batch_size": batch_size} if batch_size else {}), procs=workers)
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(f"Indexed {count} plans into a new index and switched to it.")
