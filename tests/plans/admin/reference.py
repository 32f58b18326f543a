"""Reference data for transactional tests: Django flushes every table after a transactional test, which also
removes the regions and themes the data migration loaded. Load them again the way the migration does."""

from plans.models import Region, Theme
from plans.taxonomy import REGIONS, THEMES


def ensure_reference_data() -> None:
    if not Region.objects.exists():
        for order, (name, full_name, kind) in enumerate(REGIONS):
            Region.objects.create(name=name, full_name=full_name, kind=kind, order=order)
    if not Theme.objects.exists():
        for order, (name, slug, group, min_hits, keywords) in enumerate(THEMES):
            Theme.objects.create(
                name=name,
                slug=slug,
                group=group,
                min_hits=min_hits,
                keywords="\n".join(keywords),
                order=order,
            )
