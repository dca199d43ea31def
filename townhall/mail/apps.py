from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "townhall.mail"
    label = "mail"
    verbose_name = "Email"

    def ready(self) -> None:
        from townhall.core import health, retention, scheduler
        from townhall.mail.selectors import oldest_unsent_email_age_seconds, outbox_health
        from townhall.mail.services import letters_forget_sent
        from townhall.mail.tasks import queued_emails_dispatch

        scheduler.register(
            name="send-queued-emails", interval_key="EMAIL_INTERVAL_SECONDS", func=queued_emails_dispatch
        )
        retention.register(
            name="sent-letters",
            models=("mail.QueuedEmail", "mail.OutboxMessage"),
            period_key="SENT_LETTER_RETENTION_DAYS",
            enforce=letters_forget_sent,
        )
        health.register_figure("oldest_queued_email_age_seconds", oldest_unsent_email_age_seconds)
        health.register_figure(
            "outbox",
            lambda: {name: getattr(outbox_health(), name) for name in ("queued", "deferred", "refused", "failed")},
        )
