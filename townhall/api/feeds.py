"""Atom feeds: new petitions, published responses, answered public questions.

Entries carry no author: a feed is public data, and the only person named is the
official who answered (never a creator's email or an asker).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from townhall.core.text import xml_safe
from townhall.petitions.selectors import petition_list_recently_opened
from townhall.questions.selectors import question_list_recently_answered
from townhall.responses.selectors import response_list_recently_published

if TYPE_CHECKING:
    from townhall.petitions.models import Petition
    from townhall.questions.models import Question
    from townhall.responses.models import Response


FEED_SIZE = 50


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, list | tuple):
        return type(value)(_clean(v) for v in value)
    return value


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom, with every text of the feed and its entries stripped of what XML cannot hold:
    a stored control character must never make the feed fail for everyone."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*[_clean(a) for a in args], **{k: _clean(v) for k, v in kwargs.items()})

    def add_item(self, *args: Any, **kwargs: Any) -> None:
        super().add_item(*[_clean(a) for a in args], **{k: _clean(v) for k, v in kwargs.items()})


class NewPetitionsFeed(Feed["Petition", None]):
    feed_type = XmlSafeAtom1Feed
    title = _("New petitions")
    subtitle = _("Petitions most recently opened for signatures.")

    def link(self) -> str:
        return reverse("petitions:list")

    def items(self) -> list[Petition]:
        return petition_list_recently_opened(limit=FEED_SIZE)

    def item_title(self, item: Petition) -> str:
        return item.public_action or ""

    def item_description(self, item: Petition) -> str:
        return item.public_background or ""

    def item_link(self, item: Petition) -> str:
        return reverse("petitions:detail", args=[item.pk])

    def item_pubdate(self, item: Petition) -> datetime.datetime | None:
        return item.opened_at

    def item_updateddate(self, item: Petition) -> datetime.datetime | None:
        return item.opened_at


class ResponsesFeed(Feed["Response", None]):
    feed_type = XmlSafeAtom1Feed
    title = _("Responses to petitions")
    subtitle = _("The body's written responses, most recently published first.")

    def link(self) -> str:
        return reverse("petitions:list") + "?state=responded"

    def items(self) -> list[Response]:
        return response_list_recently_published(limit=FEED_SIZE)

    def item_title(self, item: Response) -> str:
        return str(_("Response: %(action)s") % {"action": item.petition.public_action or ""})

    def item_description(self, item: Response) -> str:
        return item.public_body or ""

    def item_link(self, item: Response) -> str:
        # The fragment keeps each entry's Atom id unique and stable.
        return reverse("petitions:detail", args=[item.petition_id]) + f"#response-{item.pk}"

    def item_pubdate(self, item: Response) -> datetime.datetime | None:
        return item.published_at

    def item_updateddate(self, item: Response) -> datetime.datetime | None:
        return item.published_at


class AnsweredQuestionsFeed(Feed["Question", None]):
    feed_type = XmlSafeAtom1Feed
    title = _("Answered public questions")
    subtitle = _("Written answers to public questions, most recent first.")

    def link(self) -> str:
        return reverse("questions:list")

    def items(self) -> list[Question]:
        return question_list_recently_answered(limit=FEED_SIZE)

    def item_title(self, item: Question) -> str:
        return str(
            _("%(official)s answers: %(text)s") % {"official": item.official.person.name, "text": item.text[:80]}
        )

    def item_description(self, item: Question) -> str:
        return item.answer

    def item_link(self, item: Question) -> str:
        return reverse("meetings:detail", args=[item.meeting_id]) + f"#question-{item.pk}"

    def item_pubdate(self, item: Question) -> datetime.datetime | None:
        return item.answered_at

    def item_updateddate(self, item: Question) -> datetime.datetime | None:
        return item.answered_at
