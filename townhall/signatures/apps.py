from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class SignaturesConfig(AppConfig):
    name = "townhall.signatures"
    label = "signatures"
    verbose_name = "Signatures"

    def ready(self) -> None:
        from townhall.core import scheduler
        from townhall.signatures.fraud import forget_signer_lists
        from townhall.signatures.models import SignerListEntry
        from townhall.signatures.services import signature_count_new, signature_reconcile_counts
        from townhall.signatures.tasks import confirmation_emails_dispatch

        # A list entry saved or deleted in this process applies to its next signature.
        post_save.connect(forget_signer_lists, sender=SignerListEntry, dispatch_uid="signer-lists-saved")
        post_delete.connect(forget_signer_lists, sender=SignerListEntry, dispatch_uid="signer-lists-deleted")

        scheduler.register(name="count-signatures", interval_key="COUNTER_INTERVAL_SECONDS", func=signature_count_new)
        scheduler.register(
            name="send-confirmations", interval_key="EMAIL_INTERVAL_SECONDS", func=confirmation_emails_dispatch
        )
        scheduler.register(
            name="reconcile-counts", interval_key="RECONCILE_INTERVAL_SECONDS", func=signature_reconcile_counts
        )
