from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "townhall.integrity"
    label = "integrity"
    verbose_name = "Integrity"
