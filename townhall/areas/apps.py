from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "townhall.areas"
    label = "areas"
    verbose_name = "Areas and postcodes"

    def ready(self) -> None:
        from townhall.areas.panels import petition_areas_panel
        from townhall.core import panels

        panels.register_panel("petition", petition_areas_panel)
