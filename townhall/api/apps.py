from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "townhall.api"
    label = "api"
    verbose_name = "Open data and API"

    def ready(self) -> None:
        # Errors under /api/ that no API view answers (a NUL refused by the middleware,
        # Django's 400, 403, 404 and 500) leave in the API's JSON shape, not as HTML pages.
        from townhall.api.errors import api_error_answer
        from townhall.core.errorpages import register_error_answer

        register_error_answer(path_prefix="/api/", answer=api_error_answer)
