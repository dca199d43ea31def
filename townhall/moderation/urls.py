from django.urls import path

from townhall.moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/take-down/", views.take_down, name="take_down"),
    path("<int:pk>/notes/", views.add_note, name="add_note"),
    path("<int:pk>/second-opinion/", views.second_opinion, name="second_opinion"),
    path("<int:pk>/second-opinion/resolve/", views.resolve_second_opinion, name="resolve_second_opinion"),
    path("<int:pk>/remove/", views.remove, name="remove"),
    path("<int:pk>/remoderate/", views.remoderate, name="remoderate"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/release/", views.release, name="release"),
]
