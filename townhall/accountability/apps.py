from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "townhall.accountability"
    label = "accountability"
    verbose_name = "Accountability"

    def ready(self) -> None:
        from townhall.accountability.panels import decision_events
        from townhall.core import panels

        panels.register_timeline("petition", decision_events)
