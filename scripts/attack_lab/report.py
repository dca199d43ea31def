"""The laboratory's table: one row per scenario."""

from __future__ import annotations

from scripts.attack_lab.run import ScenarioResult


def _pct(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.2f}%" if whole else "-"


def lost(result: ScenarioResult) -> int:
    """Genuine signers who confirmed and were never counted (held at the end, or caught)."""
    return result.genuine.kept_out


def table(results: list[ScenarioResult]) -> str:
    head = (
        f"{'scenario':<26} {'genuine':>7} {'held':>6} {'released':>8} {'lost':>6} {'lost %':>7}"
        f" {'bots':>6} {'counted':>7} {'kept out':>8} {'alerts':>6} {'to alert':>8} {'removal: bots':>13}"
        f" {'genuine':>7} {'s':>5}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        g, b = r.genuine, r.bots
        to_alert = f"{r.time_to_alert / 60:.1f} min" if r.time_to_alert is not None else "-"
        removal_total = r.removal_bots + r.removal_genuine
        lines.append(
            f"{r.scenario.name:<26} {g.confirmed:>7} {g.held_ever:>6} {g.released:>8} {lost(r):>6}"
            f" {_pct(lost(r), g.confirmed):>7} {b.confirmed:>6} {b.counted:>7}"
            f" {_pct(b.confirmed - b.counted, b.confirmed):>8}"
            f" {len(r.alerts):>6} {to_alert:>8} {r.removal_bots:>13} {_pct(r.removal_genuine, removal_total):>7}"
            f" {r.seconds:>5.0f}"
        )
    lines.append("")
    lines.append(
        "genuine: confirmed genuine signers; held: of them, ever held; released: released by the evidence or an"
        " allow list; lost: confirmed and never counted; bots: bots that confirmed; counted: of them, counted;"
        " kept out: bots not counted; alerts: raised for the petition; to alert: from the attack's start;"
        " removal: what removing every alert's selection would take out (bots, and the genuine share of it;"
        " a surge alert names its whole window, to look at, and is left out)."
    )
    for r in results:
        for alert in r.alerts:
            lines.append(f"  {r.scenario.name}: +{alert.first_at / 60:.0f} min {alert.kind}: {alert.summary}")
    return "\n".join(lines)
