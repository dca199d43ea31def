import logging

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "townhall.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Whatever LOGGING a settings module chooses, the loggers that write request paths
        # never write an emailed link's token.
        from townhall.core.logs import RedactLinkTokens

        for name in ("django.request", "django.server"):
            logging.getLogger(name).addFilter(RedactLinkTokens())
