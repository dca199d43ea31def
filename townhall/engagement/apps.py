from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "townhall.engagement"
    label = "engagement"
    verbose_name = "Petition updates and contact"

    def ready(self) -> None:
        from townhall.core import panels, retention
        from townhall.engagement.panels import contact_panel, update_events, updates_panel
        from townhall.engagement.services import contact_message_forget

        panels.register_panel("petition", updates_panel)
        panels.register_panel("petition", contact_panel)
        panels.register_timeline("petition", update_events)
        retention.register(
            name="contact-messages",
            models=("engagement.ContactMessage",),
            period_key="CONTACT_MESSAGE_RETENTION_DAYS",
            enforce=contact_message_forget,
        )
