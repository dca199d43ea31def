from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "townhall.meetings"
    label = "meetings"
    verbose_name = "Meetings"

    def ready(self) -> None:
        from townhall.core import panels
        from townhall.meetings.timeline import petition_meeting_events, petition_next_session_panel

        panels.register_timeline("petition", petition_meeting_events)
        panels.register_panel("petition", petition_next_session_panel)
