from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "townhall.questions"
    label = "questions"
    verbose_name = "Public questions"
