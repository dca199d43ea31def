from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "townhall.responses"
    label = "responses"
    verbose_name = "Responses"
