from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "townhall.api"
    label = "api"
    verbose_name = "Open data and API"
