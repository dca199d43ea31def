from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "townhall.responses"
    label = "responses"
    verbose_name = "Responses"

    def ready(self) -> None:
        from townhall.core import panels, scheduler
        from townhall.responses.panels import response_panel, response_timeline
        from townhall.responses.services import response_open_due, response_resume_fanouts

        # Runs on the counter's interval: a response is owed within seconds of a crossing.
        scheduler.register(name="open-due-responses", interval_key="COUNTER_INTERVAL_SECONDS", func=response_open_due)
        scheduler.register(
            name="resume-response-fanouts", interval_key="RECONCILE_INTERVAL_SECONDS", func=response_resume_fanouts
        )
        panels.register_panel("petition", response_panel)
        panels.register_timeline("petition", response_timeline)
