from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "townhall.engagement"
    label = "engagement"
    verbose_name = "Petition updates and contact"

    def ready(self) -> None:
        from townhall.core import panels
        from townhall.engagement.panels import contact_panel, update_events, updates_panel

        panels.register_panel("petition", updates_panel)
        panels.register_panel("petition", contact_panel)
        panels.register_timeline("petition", update_events)
