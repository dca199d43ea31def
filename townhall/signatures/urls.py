from django.urls import path

from townhall.signatures import views

app_name = "signatures"

urlpatterns = [
    path("petitions/<int:pk>/sign/", views.sign, name="sign"),
    path("petitions/<int:pk>/sponsor/<str:token>/", views.sponsor, name="sponsor"),
    path("petitions/<int:pk>/sign/check-your-email/", views.check_email, name="check_email"),
    path("signatures/<int:pk>/confirm/<str:token>/", views.confirm, name="confirm"),
    path("signatures/<int:pk>/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("signatures/<int:pk>/withdraw/<str:token>/", views.withdraw, name="withdraw"),
]
