from django.urls import path

from townhall.responses import views

app_name = "responses"

urlpatterns = [
    path("responses/", views.queue, name="queue"),
    path("responses/<int:pk>/", views.detail, name="detail"),
    path("responses/<int:pk>/preview/", views.preview, name="preview"),
    path("responses/<int:pk>/publish/", views.publish, name="publish"),
]
