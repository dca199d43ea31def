from django.apps import AppConfig


class SchemesConfig(AppConfig):
    name = "townhall.schemes"
    label = "schemes"
    verbose_name = "Body and petition scheme"
