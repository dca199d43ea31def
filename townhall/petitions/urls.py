from django.urls import path

from townhall.petitions import views

app_name = "petitions"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("privacy/", views.privacy, name="privacy"),
    path("petitions/", views.petition_list, name="list"),
    path("petitions/new/", views.create, name="create"),
    path("petitions/new/check-your-email/", views.created, name="created"),
    path("petitions/similar/", views.similar, name="similar"),
    path("petitions/<int:pk>/", views.detail, name="detail"),
    path("petitions/<int:pk>/count.json", views.count_json, name="count"),
    path("petitions/<int:pk>/creator/<str:token>/", views.creator_confirm, name="creator_confirm"),
]
