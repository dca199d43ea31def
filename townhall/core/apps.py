from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "townhall.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from townhall.core import scheduler
        from townhall.core.ratelimit import purge_expired_counters

        scheduler.register(
            name="forget-rate-counters", interval_key="RATE_COUNTER_PURGE_INTERVAL_SECONDS", func=purge_expired_counters
        )
