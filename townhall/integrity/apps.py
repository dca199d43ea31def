from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "townhall.integrity"
    label = "integrity"
    verbose_name = "Integrity"

    def ready(self) -> None:
        from townhall.core import panels, scheduler
        from townhall.integrity import jobs
        from townhall.integrity.panels import removed_panel

        scheduler.register(name="detect-trends", interval_key="TREND_INTERVAL_SECONDS", func=jobs.detect_trends)
        scheduler.register(name="anonymise", interval_key="ANONYMISE_INTERVAL_SECONDS", func=jobs.anonymise)
        panels.register_panel("petition", removed_panel)
