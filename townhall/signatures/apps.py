from django.apps import AppConfig
from django.db.models.signals import post_save


class SignaturesConfig(AppConfig):
    name = "townhall.signatures"
    label = "signatures"
    verbose_name = "Signatures"

    def ready(self) -> None:
        from townhall.core import retention, scheduler
        from townhall.lists.models import ListEntry
        from townhall.signatures.holds import holds_count_awaiting, holds_review
        from townhall.signatures.services import (
            signature_count_new,
            signature_forget_unconfirmed,
            signature_reconcile_counts,
        )
        from townhall.signatures.tasks import confirmation_emails_dispatch, holds_review_soon

        scheduler.register(name="count-signatures", interval_key="COUNTER_INTERVAL_SECONDS", func=signature_count_new)
        scheduler.register(name="count-awaiting", interval_key="COUNTER_INTERVAL_SECONDS", func=holds_count_awaiting)
        scheduler.register(name="review-holds", interval_key="HOLD_REVIEW_INTERVAL_SECONDS", func=holds_review)
        # An allow-list entry saved releases what it covers at once, not at the next review.
        post_save.connect(holds_review_soon, sender=ListEntry, dispatch_uid="holds-allow-list")
        scheduler.register(
            name="send-confirmations", interval_key="EMAIL_INTERVAL_SECONDS", func=confirmation_emails_dispatch
        )
        scheduler.register(
            name="reconcile-counts", interval_key="RECONCILE_INTERVAL_SECONDS", func=signature_reconcile_counts
        )
        retention.register(
            name="unconfirmed-signatures",
            models=("signatures.Signature",),
            period_key="UNCONFIRMED_RETENTION_DAYS",
            enforce=signature_forget_unconfirmed,
        )
