from django.urls import path

from townhall.lists import views

app_name = "lists"

urlpatterns = [
    path("lists/", views.entries, name="entries"),
    path("lists/add/", views.add, name="add"),
    path("lists/<int:entry_id>/edit/", views.edit, name="edit"),
    path("lists/<int:entry_id>/remove/", views.remove, name="remove"),
]
