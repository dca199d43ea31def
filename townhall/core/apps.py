import logging

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "townhall.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Whatever LOGGING a settings module chooses, the loggers that write request paths
        # never write an emailed link's token.
        from townhall.core.logs import RedactLinkTokens

        for name in ("django.request", "django.server"):
            logging.getLogger(name).addFilter(RedactLinkTokens())

        from townhall.core import retention, scheduler
        from townhall.core.ratelimit import purge_expired_counters
        from townhall.core.taskreclaim import reclaim_stale_tasks

        scheduler.register(
            name="forget-rate-counters", interval_key="RATE_COUNTER_PURGE_INTERVAL_SECONDS", func=purge_expired_counters
        )
        retention.register(
            name="task-results",
            models=("django_tasks_database.DBTaskResult",),
            period_key="TASK_RESULT_RETENTION_DAYS",
            enforce=retention.task_results_forget,
        )
        scheduler.register(
            name="reclaim-stale-tasks", interval_key="TASK_RECLAIM_INTERVAL_SECONDS", func=reclaim_stale_tasks
        )
