"""The goal ladder: the motivating next round number shown to signers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from townhall.schemes.goals import next_goal
from townhall.schemes.presets import ENGLISH_COUNCIL, UK_PARLIAMENT

COUNCIL = list(ENGLISH_COUNCIL.goal_ladder)  # 50, 100, 250, ... 25,000


@pytest.mark.parametrize(
    ("count", "goal"),
    [(0, 50), (1, 50), (49, 50), (51, 100), (99, 100), (1_499, 1_500), (2_400, 2_500), (24_999, 25_000)],
)
def test_next_goal_is_the_first_ladder_value_above_the_count(count: int, goal: int) -> None:
    assert next_goal(count=count, ladder=COUNCIL) == goal


@pytest.mark.parametrize(("count", "goal"), [(50, 100), (100, 250), (1_000, 1_500), (2_500, 5_000)])
def test_reaching_a_ladder_value_exactly_moves_on_to_the_next(count: int, goal: int) -> None:
    assert next_goal(count=count, ladder=COUNCIL) == goal


@pytest.mark.parametrize(
    ("count", "goal"),
    [
        (25_000, 50_000),
        (30_000, 50_000),
        (50_000, 100_000),
        (99_999, 100_000),
        (100_000, 250_000),
        (250_000, 500_000),
        (600_000, 1_000_000),
        (1_000_000, 2_500_000),
    ],
)
def test_past_the_top_of_the_ladder_goals_follow_1_2_5_5_round_numbers(count: int, goal: int) -> None:
    assert next_goal(count=count, ladder=COUNCIL) == goal


def test_past_the_top_a_goal_is_never_below_the_last_rung() -> None:
    # A ladder ending on a non-round number: the next goal is still above it.
    assert next_goal(count=7_000, ladder=[100, 7_000]) == 10_000
    assert next_goal(count=750, ladder=[100, 800]) == 800
    assert next_goal(count=800, ladder=[100, 800]) == 1_000


def test_the_uk_parliament_ladder_tops_out_at_a_million() -> None:
    ladder = list(UK_PARLIAMENT.goal_ladder)
    assert next_goal(count=999_999, ladder=ladder) == 1_000_000
    assert next_goal(count=1_000_000, ladder=ladder) == 2_500_000


@pytest.mark.parametrize(
    ("count", "goal"),
    [(0, 1), (1, 2), (2, 5), (4, 5), (5, 10), (10, 25), (24, 25), (25, 50), (99, 100), (2_500, 5_000)],
)
def test_an_empty_ladder_uses_round_numbers_from_the_start(count: int, goal: int) -> None:
    assert next_goal(count=count, ladder=[]) == goal


_ladders = st.lists(st.integers(min_value=1, max_value=10**7), min_size=0, max_size=12, unique=True).map(sorted)


@given(count=st.integers(min_value=0, max_value=10**9), ladder=_ladders)
def test_the_next_goal_is_always_ahead_of_the_count_and_of_the_ladder_when_past_it(
    count: int, ladder: list[int]
) -> None:
    goal = next_goal(count=count, ladder=ladder)

    assert goal > count
    above = [value for value in ladder if value > count]
    if above:
        assert goal == above[0]
    else:
        assert not ladder or goal > ladder[-1]
        # 1, 2.5 or 5 times a power of ten (2.5 itself rounds down to 2).
        assert goal == 2 or str(goal).rstrip("0") in {"1", "25", "5"}
