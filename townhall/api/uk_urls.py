"""The UK Parliament petitions API shape (see docs/api.md): /petitions.json and friends.

/petitions/<id>/count.json is served by the petitions app (name "petitions:count"): one route.
"""

from django.urls import URLPattern, path

from townhall.api import uk

urlpatterns: list[URLPattern] = [
    path("petitions.json", uk.petition_list, name="uk-petitions"),
    path("petitions/<int:pk>.json", uk.petition_detail, name="uk-petition"),
]
