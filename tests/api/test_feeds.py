"""Atom feeds: new petitions, published responses, answered questions."""

from __future__ import annotations

from xml.etree import ElementTree

from django.test import Client

from tests.api.world import CREATOR, SECRETS, World

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client: Client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    text = response.content.decode()
    for secret in [*SECRETS, CREATOR["name"], "Secret Lane"]:
        assert secret not in text
    feed = ElementTree.fromstring(response.content)  # noqa: S314 (our own feed, in a test)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}title") is not None
    found = []
    for entry in feed.findall(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link")
        assert link is not None
        assert entry.find(f"{ATOM}author") is None
        found.append(
            {
                "title": entry.findtext(f"{ATOM}title", ""),
                "id": entry.findtext(f"{ATOM}id", ""),
                "updated": entry.findtext(f"{ATOM}updated", ""),
                "link": link.get("href", ""),
                "summary": entry.findtext(f"{ATOM}summary", ""),
            }
        )
    return found


def test_new_petitions_feed(client: Client, world: World) -> None:
    found = entries(client, "/feeds/petitions.atom")
    # Open petitions only: not the rejected, removed or pending ones.
    assert sorted(e["title"] for e in found) == [
        "Plant more trees in Riverside Park",
        "Reopen the public toilets on Kingsmere Road",
    ]
    toilets = next(e for e in found if e["title"].startswith("Reopen"))
    assert toilets["link"] == f"http://testserver/petitions/{world.responded.pk}/"
    assert toilets["updated"] == "2026-02-02T10:00:00+00:00"
    assert toilets["summary"] == "The toilets by the market closed in March."


def test_responses_feed(client: Client, world: World) -> None:
    found = entries(client, "/feeds/responses.atom")
    assert len(found) == 1
    assert found[0]["title"] == "Response: Reopen the public toilets on Kingsmere Road"
    assert found[0]["summary"] == "We will reopen the toilets in April."
    assert found[0]["link"] == f"http://testserver/petitions/{world.responded.pk}/#response-{world.response.pk}"
    assert found[0]["updated"] == "2026-02-05T10:00:00+00:00"


def test_answered_questions_feed(client: Client, world: World) -> None:
    found = entries(client, "/feeds/questions.atom")
    assert len(found) == 1
    assert found[0]["title"] == "Cllr Helen Marsh answers: Why did the Chief Executive leave?"
    assert found[0]["summary"] == "The Chief Executive resigned."
    assert found[0]["link"] == f"http://testserver/meetings/{world.meeting.pk}/#question-{world.question.pk}"
    assert found[0]["id"] == found[0]["link"]
