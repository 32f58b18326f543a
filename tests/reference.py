"""Reference data for tests: a transactional test (live server, threads) flushes every table when it ends,
which also removes the regions and themes that data migration 0002 loaded."""

from plans.models import Region, Theme
from plans.taxonomy import load_reference_data


def ensure_reference_data() -> None:
    """Load the regions and themes again if a flush removed them (cheap when they are there)."""
    if not (Region.objects.filter(name="全国").exists() and Theme.objects.exists()):
        load_reference_data(Region, Theme)
