from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "townhall.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from townhall.core import scheduler
        from townhall.core.tasks import queued_emails_dispatch

        scheduler.register(
            name="send-queued-emails", interval_key="EMAIL_INTERVAL_SECONDS", func=queued_emails_dispatch
        )
