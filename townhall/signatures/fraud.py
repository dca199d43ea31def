"""Fraud controls on the signing path: decided before the one INSERT, never told to the signer.

Two outcomes besides "fine", and a mark a fine signature may carry (docs/integrity.md):

- **Caught**, only by the rules that are certain: an address, domain or network on a block
  list (townhall.lists, the lists every resident entry point asks), a disposable email
  domain when the operator has chosen to block them, or one address far beyond any
  household or office (SIGN_CAP_ADDRESS a day). The signature is stored as `fraudulent`,
  never counted; a blocked one is sent no email.
- **Held**, by the rules that only suspect: one address or one network signing faster than
  the petition's limits, or a disposable email domain or a privacy relay (their policies
  "hold"). A held signature confirms like any other and is not counted until it is
  released: by the evidence (`townhall.signatures.holds`), by an allow list, or by staff.
  When a rate limit trips, the source's other unconfirmed signatures in that window are
  held too, so a burst cannot slip its first minute into the count.
- **Flagged**, by the domain rules under their policy "flag" (the default for both): counted
  as any other, with the rule in `fraud_reason`, so administrators see them (/integrity/)
  and can select them.

Disposable domains (the `disposable-email-domains` list) and privacy relays
(RELAY_EMAIL_DOMAINS: Hide My Email, Firefox Relay, SimpleLogin…) have separate policies. A
relay address is a real, lasting mailbox that forwards to its owner, chosen by people who
guard their privacy, so its policy is never "block"; a relay domain that is also on the
disposable list follows the relay policy. An allow-list domain entry exempts either.

Held and caught signatures do not count towards the limits. A source that tripped a limit
stays held while it keeps signing (until it has been quiet for the limit's window), so a burst
cannot slip a last minute into the count either; a steady stream of people behind one address
is held and then released on the evidence, never shut out. The limits grow with the petition's
size and its recent rate (a busy petition tolerates more from one network than a quiet one).
Allow lists (trusted networks such as a council's own, or partner domains and addresses)
skip the rate limits. A known shared network (staff-entered: a council's offices, a hospital,
a university) keeps them, each times its factor, so its people sign at their own pace
and a burst from behind it is still held.

IP addresses are never stored: only a keyed hash (for rate limits and invalidation by
exact address) and the truncated network (/24 or /48, for trending and invalidation
by range).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, router

from townhall.areas.selectors import petition_counted_recently
from townhall.core.net import ClientFingerprint
from townhall.lists.rules import is_disposable, is_relay
from townhall.lists.selectors import lists_current
from townhall.signatures.models import Signature, SignatureState

# Why a signature is held (Signature.hold_reason). Never shown to the signer. A signature
# flagged by a domain rule carries the same word in `fraud_reason`, and so does one held.
HOLD_ADDRESS_BURST = "rate_address_burst"
HOLD_ADDRESS_SUSTAINED = "rate_address_sustained"
HOLD_NETWORK = "rate_network"
HOLD_DISPOSABLE = "disposable_domain"
HOLD_RELAY = "relay_domain"


@dataclass(frozen=True)
class Hold:
    """A rule that suspects: hold this signature, and with it the source's other
    unconfirmed signatures since `since` (`column` = the stored address hash or network)."""

    reason: str
    column: str = ""
    value: str = ""
    since: datetime.datetime | None = None


@dataclass(frozen=True)
class Assessment:
    is_fraudulent: bool
    reason: str = ""
    # Caught by a block list: no email goes to the address either (townhall.lists).
    sends_email: bool = True
    hold: Hold | None = None


# One statement, three counts. Each count's conditions match one partial index exactly
# (signature_ip_rate_idx, signature_prefix_rate_idx: petition, address or /24, created_at,
# over signatures that may count), so each is a short range scan. Written in SQL: it runs
# on every signature, and the ORM's compilation of the aggregate cost more than the query.
_RECENT_SQL = (
    "SELECT (SELECT COUNT(*) FROM signatures_signature WHERE petition_id = %s AND ip_hash = %s AND created_at >= %s"
    " AND hold_reason = '' AND state IN ('pending', 'verified')),"
    " (SELECT COUNT(*) FROM signatures_signature WHERE petition_id = %s AND ip_hash = %s AND created_at >= %s"
    " AND hold_reason = '' AND state IN ('pending', 'verified')),"
    " (SELECT COUNT(*) FROM signatures_signature WHERE petition_id = %s AND ip_prefix = %s AND created_at >= %s"
    " AND hold_reason = '' AND state IN ('pending', 'verified')),"
    # Is the source still held (signature_held_source_idx)? Its network tripped the network
    # limit, or this address the address limits, within the network's window (rows staff
    # rejected since keep their hold reason, and count too).
    " (SELECT MAX(hold_reason) FROM signatures_signature WHERE petition_id = %s AND ip_prefix = %s"
    " AND created_at >= %s AND NOT (hold_reason = '')"
    " AND (hold_reason = 'rate_network' OR (hold_reason IN ('rate_address_burst', 'rate_address_sustained')"
    " AND ip_hash = %s)))"
)
assert Signature._meta.db_table == "signatures_signature"  # noqa: S101 - the SQL above names it
assert (SignatureState.PENDING, SignatureState.VERIFIED) == ("pending", "verified")  # noqa: S101 - and these


def _recent_counts(
    *,
    petition_id: int,
    client: ClientFingerprint,
    burst_since: datetime.datetime,
    sustained_since: datetime.datetime,
    network_since: datetime.datetime,
) -> tuple[int, int, int, str]:
    """This address's recent signatures on the petition that may count, and its whole
    network's (bots rotate addresses within a range; people behind one address are few);
    and, if the address or its network is still held, why."""
    connection = connections[router.db_for_write(Signature)]
    moment = connection.ops.adapt_datetimefield_value
    params = [
        *(petition_id, client.ip_hash, moment(burst_since)),
        *(petition_id, client.ip_hash, moment(sustained_since)),
        *(petition_id, client.ip_prefix, moment(network_since)),
        *(petition_id, client.ip_prefix, moment(network_since), client.ip_hash),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_RECENT_SQL, params)
        burst, sustained, network, still_held = cursor.fetchone()
    return int(burst), int(sustained), int(network), str(still_held or "")


def scaled_limit(base: int, *, petition_size: int, recent: int = 0) -> int:
    """A limit grown with the petition: by its own size for every SIGN_RATE_SCALE_AT counted
    signatures (a big petition draws more people from one office or campus than a small
    one), and again for every SIGN_RATE_SCALE_RECENT counted in the last hour or two
    (`recent`: a busy petition draws more at once than a quiet one). Held signatures are
    never counted, so a burst that is held cannot raise its own limit."""
    config = settings.TOWNHALL
    limit = base
    for amount, per in ((petition_size, config["SIGN_RATE_SCALE_AT"]), (recent, config["SIGN_RATE_SCALE_RECENT"])):
        if int(per) > 0:
            limit += base * amount // int(per)
    return limit


def _tripped(
    counts: tuple[int, int, int], limits: tuple[int, int, int], *, petition_size: int, recent: int = 0
) -> int | None:
    """Which limit (0 burst, 1 sustained, 2 network) the counts reach, if any."""
    for which, (count, base) in enumerate(zip(counts, limits, strict=True)):
        if count >= scaled_limit(base, petition_size=petition_size, recent=recent):
            return which
    return None


def _address_cap_exceeded(
    *, petition_id: int, client: ClientFingerprint, now: datetime.datetime, factor: int = 1
) -> bool:
    """Certain: one address has given this petition more signatures today than any
    household or office could (held and caught ones included); a known shared network's
    addresses are allowed its factor times as many."""
    cap = int(settings.TOWNHALL["SIGN_CAP_ADDRESS"]) * factor
    since = now - datetime.timedelta(days=1)
    recent = Signature.objects.filter(petition_id=petition_id, ip_hash=client.ip_hash, created_at__gte=since)
    return recent[cap - 1 : cap].exists()


def assess_signature(
    *,
    petition_id: int,
    client: ClientFingerprint,
    email_canonical: str,
    now: datetime.datetime,
    petition_size: int = 0,
) -> Assessment:
    """Decide, silently, whether a new signature is caught (never counted), held (counted
    once released) or fine (perhaps flagged: `reason` without a hold); `petition_size` is
    the petition's count, which the limits grow with."""
    config = settings.TOWNHALL
    lists = lists_current()
    blocked = lists.block_reason(email=email_canonical, address=client.address)
    if blocked:
        return Assessment(True, blocked, sends_email=False)
    domain = email_canonical.rpartition("@")[2]
    # A relay on the disposable list follows the relay policy, which never blocks.
    relay_domain = is_relay(domain)
    relay = relay_domain and not lists.allow.covers_domain(domain)
    disposable = not relay_domain and is_disposable(domain) and not lists.allow.covers_domain(domain)
    policy = config["DISPOSABLE_EMAIL_POLICY"]
    relay_policy = config["RELAY_EMAIL_POLICY"]
    if disposable and policy == "block":
        return Assessment(True, HOLD_DISPOSABLE)
    allowed = lists.allows(email=email_canonical, address=client.address)
    if client.ip_hash and not allowed:
        factor = lists.shared_factor(client.address)
        burst_count, burst_seconds = config["SIGN_RATE_BURST"]
        sustained_count, sustained_seconds = config["SIGN_RATE_SUSTAINED"]
        network_count, network_seconds = config["SIGN_RATE_NETWORK"]
        burst_count, sustained_count, network_count = (
            n * factor for n in (burst_count, sustained_count, network_count)
        )
        burst_since = now - datetime.timedelta(seconds=burst_seconds)
        sustained_since = now - datetime.timedelta(seconds=sustained_seconds)
        network_since = now - datetime.timedelta(seconds=network_seconds)
        burst, sustained, network, still_held = _recent_counts(
            petition_id=petition_id,
            client=client,
            burst_since=burst_since,
            sustained_since=sustained_since,
            network_since=network_since,
        )
        counts, limits = (burst, sustained, network), (burst_count, sustained_count, network_count)
        tripped = _tripped(counts, limits, petition_size=petition_size)
        if tripped is not None:
            # Only now (rarely) read how busy the petition is: its recent rate may lift the limit.
            recent = petition_counted_recently(petition_id=petition_id, now=now)
            tripped = _tripped(counts, limits, petition_size=petition_size, recent=recent)
        hold = None
        if tripped == 0:
            hold = Hold(HOLD_ADDRESS_BURST, "ip_hash", client.ip_hash, burst_since)
        elif tripped == 1:
            hold = Hold(HOLD_ADDRESS_SUSTAINED, "ip_hash", client.ip_hash, sustained_since)
        elif tripped == 2:
            hold = Hold(HOLD_NETWORK, "ip_prefix", client.ip_prefix, network_since)
        if hold is None and still_held:
            # The source tripped a limit within the window and is still signing: it stays
            # held until it has been quiet for a window (nothing is retro-held: the trip did).
            hold = Hold(still_held)
        if hold is not None:
            if _address_cap_exceeded(petition_id=petition_id, client=client, now=now, factor=factor):
                return Assessment(True, "address_cap")
            return Assessment(False, hold.reason, hold=hold)
    if disposable and policy == "hold":
        return Assessment(False, HOLD_DISPOSABLE, hold=Hold(HOLD_DISPOSABLE))
    if disposable and policy == "flag":
        return Assessment(False, HOLD_DISPOSABLE)
    if relay and relay_policy == "hold":
        return Assessment(False, HOLD_RELAY, hold=Hold(HOLD_RELAY))
    if relay and relay_policy == "flag":
        return Assessment(False, HOLD_RELAY)
    return Assessment(False, "")
