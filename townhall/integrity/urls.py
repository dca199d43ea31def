from django.urls import path

from townhall.integrity import views

app_name = "integrity"

urlpatterns = [
    path("integrity/", views.overview, name="overview"),
    path("integrity/invalidate/", views.invalidate, name="invalidate"),
    path("staff/signatures/", views.signature_search, name="signature_search"),
    path("staff/signatures.csv", views.signature_search_csv, name="signature_search_csv"),
]
