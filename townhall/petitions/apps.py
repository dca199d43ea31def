from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "townhall.petitions"
    label = "petitions"
    verbose_name = "Petitions"

    def ready(self) -> None:
        from townhall.core import panels, scheduler
        from townhall.petitions.services import petition_close_expired
        from townhall.petitions.timeline import petition_events

        scheduler.register(name="close-petitions", interval_key="CLOSER_INTERVAL_SECONDS", func=petition_close_expired)
        panels.register_timeline("petition", petition_events)
