from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "townhall.engagement"
    label = "engagement"
    verbose_name = "Petition updates and contact"
