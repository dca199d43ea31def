from __future__ import annotations

from townhall.core.panels import Panel
from townhall.integrity.services import removed_counts
from townhall.petitions.models import Petition


def removed_panel(petition: Petition) -> Panel | None:
    counts = removed_counts(petition=petition)
    if not counts:
        return None
    total = sum(count for _, count in counts)
    return Panel(
        template="integrity/_removed_panel.html",
        order=5,
        context={"counts": counts, "total": total},
        etag_part=f"removed:{counts}",
    )
