from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "townhall.responses"
    label = "responses"
    verbose_name = "Responses"

    def ready(self) -> None:
        from townhall.core import panels, scheduler
        from townhall.responses import jobs
        from townhall.responses.panels import response_panel, response_timeline

        # Runs on the counter's interval: a response is owed within seconds of a crossing.
        scheduler.register(name="open-due-responses", interval_key="COUNTER_INTERVAL_SECONDS", func=jobs.open_due)
        scheduler.register(
            name="resume-response-fanouts", interval_key="RECONCILE_INTERVAL_SECONDS", func=jobs.resume_fanouts
        )
        panels.register_panel("petition", response_panel)
        panels.register_timeline("petition", response_timeline)
