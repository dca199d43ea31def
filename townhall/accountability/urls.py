from django.urls import path

from townhall.accountability import views

app_name = "accountability"

urlpatterns = [
    path("officials/", views.official_list, name="officials"),
    path("officials/<slug:slug>/", views.official, name="official"),
]
