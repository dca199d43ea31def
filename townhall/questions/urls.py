from django.urls import path

from townhall.questions import views

app_name = "questions"

urlpatterns = [
    path("meetings/<int:meeting_id>/questions/ask/", views.ask, name="ask"),
    path("questions/", views.question_list, name="list"),
    path("questions/ask/", views.ask_choose, name="ask_choose"),
    path("questions/check-your-email/", views.check_email, name="check_email"),
    path("questions/<int:pk>/confirm/<str:token>/", views.confirm, name="confirm"),
    path("questions/<int:pk>/verdict/<str:token>/", views.verdict, name="verdict"),
    path("questions/moderation/", views.moderation_queue, name="moderation_queue"),
    path("questions/moderation/<int:pk>/", views.moderation_detail, name="moderation_detail"),
    path("questions/moderation/<int:pk>/accept/", views.moderation_accept, name="accept"),
    path("questions/moderation/<int:pk>/reject/", views.moderation_reject, name="reject"),
    path("questions/answers/", views.answer_queue, name="answer_queue"),
    path("questions/<int:pk>/answer/", views.answer, name="answer"),
    path("questions/<int:pk>/supplementary/", views.supplementary, name="supplementary"),
]
