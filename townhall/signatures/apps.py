from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "townhall.signatures"
    label = "signatures"
    verbose_name = "Signatures"

    def ready(self) -> None:
        from townhall.core import retention, scheduler
        from townhall.signatures.services import (
            signature_count_new,
            signature_forget_unconfirmed,
            signature_reconcile_counts,
        )
        from townhall.signatures.tasks import confirmation_emails_dispatch

        scheduler.register(name="count-signatures", interval_key="COUNTER_INTERVAL_SECONDS", func=signature_count_new)
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
