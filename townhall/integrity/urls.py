from django.urls import path

from townhall.integrity import views

app_name = "integrity"

urlpatterns = [
    path("integrity/", views.overview, name="overview"),
    path("integrity/invalidate/", views.invalidate, name="invalidate"),
]
