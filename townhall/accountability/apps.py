from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "townhall.accountability"
    label = "accountability"
    verbose_name = "Accountability"
