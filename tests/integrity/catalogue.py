"""Realistic texts and the flags the pre-checks must raise for them — including the
false-positive traps they must NOT fall into. Add a case whenever a moderator reports a
miss or a false alarm."""

from __future__ import annotations

from townhall.integrity.prechecks import Flag

P, E, A, N, L, X, S, U = (
    Flag.PHONE,
    Flag.EMAIL,
    Flag.ADDRESS,
    Flag.NI_NUMBER,
    Flag.ALLEGATION,
    Flag.OFFENSIVE,  # X: offensive
    Flag.SHOUTING,
    Flag.LINK,
)

CATALOGUE: list[tuple[str, set[Flag]]] = [
    # --- clean petitions ------------------------------------------------------------------
    ("Reopen the public toilets on Kingsmere Road", set()),
    ("Keep Riverside Library open seven days a week", set()),
    ("Plant 1,000 street trees in Northgate ward", set()),
    ("Extend the 42 bus route to Kingsmere Hospital", set()),
    ("Since 2019 more than 3000 residents have asked for a crossing on Mill Lane.", set()),
    ("Install a pedestrian crossing on Mill Lane outside St Anne's school", set()),
    ("Ask the Mayor to publish the council's spending on consultants every quarter.", set()),
    (
        "Full Council confirmed a new Chief Executive last year. Months later they left, and residents "
        "have been told nothing. The written answers at the last council meeting explained nothing.",
        set(),
    ),
    ("Councillors voted to cut the library budget without asking anyone.", set()),
    ("Hold an inquiry into how the Mayor handled the leisure centre contract.", set()),
    ("Residents of Hollins Park want the footpath lit before winter.", set()),
    # --- traps: must stay unflagged --------------------------------------------------------
    ("Rename Churchill Road after the women who built the Spitfires", set()),  # a street named after a person
    ("Stop benefit fraud by funding the council's investigation team properly.", set()),  # fraud, no one accused
    ("Protect older residents from doorstep scams and rogue traders.", set()),
    ("The Mayor should set up a unit to tackle fraud against pensioners.", set()),  # role, but against fraud
    ("Restore the Scunthorpe and Penistone bus link.", set()),  # place names, not swearing
    ("Fund the NHS walk-in centre and the HS2 link road properly.", set()),  # acronyms are not shouting
    # --- personal data -----------------------------------------------------------------------
    ("For more information ring Sue on 07700 900123.", {P}),
    ("Call the organiser on +44 20 7946 0018 or (020) 7946 0018.", {P}),
    ("Tips to +1 212-555-0123, any time.", {P}),
    ("Anonymous tips: 01632 960123.", {P}),
    ("Email me at sue.smith@example.org for leaflets.", {E}),
    ("The noise comes from 14 Acacia Avenue every night.", {A}),
    ("Flat 3, 27 Mill Lane has been empty for years.", {A}),
    ("My NI number is AB 12 34 56 C and I was refused.", {N}),
    # --- links: and the phone number inside a link is not a phone number --------------------
    ("See https://example.org/track/07700900123 for the full story.", {U}),
    ("More at www.kingsmere-action.org.uk", {U}),
    # --- allegations -----------------------------------------------------------------------
    ("The Chief Executive is corrupt and must go.", {L}),
    ("Daniel Okafor lied to Full Council about the contract.", {L}),
    ("Cllr Bryce took bribes from developers.", {L}),
    ("Investigate the fraud committed by Mr Smith in the housing department.", {L}),
    # --- tone --------------------------------------------------------------------------------
    ("This is a bloody disgrace and the council are a bunch of wankers.", {X}),
    ("SAVE OUR LIBRARY FROM THESE CUTS RIGHT NOW", {S}),
    ("Stop the cuts now!!! Enough is enough", {S}),
    # --- several at once ---------------------------------------------------------------------
    ("The corrupt Mayor must answer. Call 07700 900456 with tips.", {L, P}),
]
