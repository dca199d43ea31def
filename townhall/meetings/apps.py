from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "townhall.meetings"
    label = "meetings"
    verbose_name = "Meetings"
