from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "townhall.integrity"
    label = "integrity"
    verbose_name = "Integrity"

    def ready(self) -> None:
        from townhall.core import panels, retention, scheduler
        from townhall.integrity.anomalies import anomalies_detect
        from townhall.integrity.panels import removed_panel
        from townhall.integrity.prechecks import precheck_text
        from townhall.integrity.services import anonymise_due, petitions_forget_unsubmitted, trending_detect
        from townhall.petitions.selectors import register_text_check

        scheduler.register(name="detect-trends", interval_key="TREND_INTERVAL_SECONDS", func=trending_detect)
        scheduler.register(name="detect-anomalies", interval_key="ANOMALY_INTERVAL_SECONDS", func=anomalies_detect)
        # The anonymiser enforces every retention rule, this app's (closed, rejected and
        # removed petitions: their creators, signers and trend alerts; petitions that never
        # reached the moderators) and those other apps register.
        retention.register(
            name="petitions",
            models=("petitions.Petition", "signatures.Signature", "integrity.TrendAlert"),
            period_key="ANONYMISE_AFTER_MONTHS",
            enforce=lambda now: anonymise_due(now=now),
        )
        retention.register(
            name="unsubmitted-petitions",
            models=("petitions.Petition", "signatures.Signature"),
            period_key="UNSUBMITTED_PETITION_RETENTION_DAYS",
            enforce=petitions_forget_unsubmitted,
        )
        scheduler.register(
            name="anonymise", interval_key="ANONYMISE_INTERVAL_SECONDS", func=retention.retention_enforce
        )
        panels.register_panel("petition", removed_panel)
        register_text_check(precheck_text)
