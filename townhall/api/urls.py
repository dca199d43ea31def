"""Open data routes: the native API v1, its docs, exports, feeds and the count widget.

(The UK Parliament-compatible JSON lives in uk_urls.py.)
"""

from django.urls import URLPattern, URLResolver, path

from townhall.api import exports, feeds, views
from townhall.api.errors import json_405
from townhall.api.v1.api import api, json_method_not_allowed

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", json_method_not_allowed(api.urls)),
    path("api/docs", json_405(views.api_docs), name="docs"),
    # Anything else under /api/ is a JSON 404 from handler404 (townhall/core/errorpages.py).
    path("petitions.csv", exports.petitions_csv, name="petitions_csv"),
    path("petitions/<int:pk>/signatories.csv", exports.signatories_csv, name="signatories_csv"),
    path("petitions/<int:pk>/signatories.pdf", exports.signatories_pdf, name="signatories_pdf"),
    path("petitions/<int:pk>/widget/", views.widget, name="widget"),
    path("feeds/petitions.atom", feeds.NewPetitionsFeed(), name="feed_petitions"),
    path("feeds/responses.atom", feeds.ResponsesFeed(), name="feed_responses"),
    path("feeds/questions.atom", feeds.AnsweredQuestionsFeed(), name="feed_questions"),
]
