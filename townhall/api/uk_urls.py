"""The UK Parliament petitions API shape (see docs/api.md): /petitions.json and friends."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
