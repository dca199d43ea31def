from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "townhall.mail"
    label = "mail"
    verbose_name = "Email"

    def ready(self) -> None:
        from townhall.core import scheduler
        from townhall.mail.tasks import queued_emails_dispatch

        scheduler.register(
            name="send-queued-emails", interval_key="EMAIL_INTERVAL_SECONDS", func=queued_emails_dispatch
        )
