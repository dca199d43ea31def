from django.apps import AppConfig


class OfficialsConfig(AppConfig):
    name = "townhall.officials"
    label = "officials"
    verbose_name = "Officials"
