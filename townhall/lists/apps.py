from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ListsConfig(AppConfig):
    name = "townhall.lists"
    label = "lists"
    verbose_name = "Allow and block lists"

    def ready(self) -> None:
        from townhall.lists.models import ListEntry
        from townhall.lists.selectors import forget_lists

        # An entry saved or deleted in this process applies to its next resident at once.
        post_save.connect(forget_lists, sender=ListEntry, dispatch_uid="lists-saved")
        post_delete.connect(forget_lists, sender=ListEntry, dispatch_uid="lists-deleted")
