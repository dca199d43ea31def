"""Open data routes: the native API v1, its docs, exports, feeds and the count widget.

(The UK Parliament-compatible JSON lives in uk_urls.py.)
"""

from django.urls import URLPattern, URLResolver, path, re_path

from townhall.api import exports, feeds, views
from townhall.api.errors import not_found_json
from townhall.api.v1.api import api, json_method_not_allowed

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", json_method_not_allowed(api.urls)),
    path("api/docs", views.api_docs, name="docs"),
    # Anything else under /api/v1/ is a JSON 404, never the HTML page.
    re_path(r"^api/v1/(?P<rest>.*)$", not_found_json),
    path("petitions.csv", exports.petitions_csv, name="petitions_csv"),
    path("petitions/<int:pk>/signatories.csv", exports.signatories_csv, name="signatories_csv"),
    path("petitions/<int:pk>/signatories.pdf", exports.signatories_pdf, name="signatories_pdf"),
    path("petitions/<int:pk>/widget/", views.widget, name="widget"),
    path("feeds/petitions.atom", feeds.NewPetitionsFeed(), name="feed_petitions"),
    path("feeds/responses.atom", feeds.ResponsesFeed(), name="feed_responses"),
    path("feeds/questions.atom", feeds.AnsweredQuestionsFeed(), name="feed_questions"),
]
