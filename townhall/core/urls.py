from django.urls import path

from townhall.core import views

app_name = "core"

urlpatterns = [
    path("healthz", views.health, name="health"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.outbox_message, name="outbox_message"),
]
