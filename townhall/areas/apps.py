from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "townhall.areas"
    label = "areas"
    verbose_name = "Areas and postcodes"
