from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "townhall.questions"
    label = "questions"
    verbose_name = "Public questions"

    def ready(self) -> None:
        from townhall.core import panels, retention
        from townhall.meetings.services import register_outcome_listener
        from townhall.questions.panels import meeting_clerk_panel, meeting_questions_panel
        from townhall.questions.services import question_forget_askers, question_invite_verdicts

        panels.register_panel("meeting", meeting_questions_panel)
        panels.register_panel("meeting_clerk", meeting_clerk_panel)
        register_outcome_listener(question_invite_verdicts)
        retention.register(
            name="question-askers",
            models=("questions.Question",),
            period_key="QUESTION_ASKER_RETENTION_DAYS",
            enforce=question_forget_askers,
        )
