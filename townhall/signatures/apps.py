from django.apps import AppConfig


class SignaturesConfig(AppConfig):
    name = "townhall.signatures"
    label = "signatures"
    verbose_name = "Signatures"

    def ready(self) -> None:
        from townhall.core import scheduler
        from townhall.signatures import jobs

        scheduler.register(name="count-signatures", interval_key="COUNTER_INTERVAL_SECONDS", func=jobs.count)
        scheduler.register(
            name="send-confirmations", interval_key="EMAIL_INTERVAL_SECONDS", func=jobs.dispatch_confirmations
        )
        scheduler.register(name="reconcile-counts", interval_key="RECONCILE_INTERVAL_SECONDS", func=jobs.reconcile)
