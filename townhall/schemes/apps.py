from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class SchemesConfig(AppConfig):
    name = "townhall.schemes"
    label = "schemes"
    verbose_name = "Body and petition scheme"

    def ready(self) -> None:
        from townhall.schemes.models import Body, Scheme, Threshold
        from townhall.schemes.selectors import scheme_forget_current

        for model in (Body, Scheme, Threshold):
            post_save.connect(scheme_forget_current, sender=model, dispatch_uid=f"scheme-cache-{model.__name__}")
            post_delete.connect(scheme_forget_current, sender=model, dispatch_uid=f"scheme-cache-del-{model.__name__}")
