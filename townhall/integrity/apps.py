from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "townhall.integrity"
    label = "integrity"
    verbose_name = "Integrity"

    def ready(self) -> None:
        from townhall.core import panels, scheduler
        from townhall.integrity.panels import removed_panel
        from townhall.integrity.prechecks import precheck_text
        from townhall.integrity.services import anonymise_due, trending_detect
        from townhall.petitions.selectors import register_text_check

        scheduler.register(name="detect-trends", interval_key="TREND_INTERVAL_SECONDS", func=trending_detect)
        scheduler.register(name="anonymise", interval_key="ANONYMISE_INTERVAL_SECONDS", func=anonymise_due)
        panels.register_panel("petition", removed_panel)
        register_text_check(precheck_text)
