"""R9: the shade suggestion, a pure function of the retention ratings and the shade used
last time. Faded -> one step darker, held -> the same shade, never beyond the scale 1-7."""

import pytest

from sessions_app.models import Retention, Zone
from sessions_app.shades import suggest_shade

FADED, PATCHY, HELD = Retention.FADED, Retention.PATCHY, Retention.HELD
EVERY_ZONE = [z for z in Zone.values if z != Zone.SCAR]


def all_zones(rating):
    return dict.fromkeys(EVERY_ZONE, rating)


def test_faded_everywhere_suggests_one_shade_darker():
    suggestion = suggest_shade(4, all_zones(FADED))
    assert suggestion.shade == 5
    assert suggestion.step == 1
    assert "darker" in suggestion.reason


def test_held_everywhere_keeps_the_same_shade():
    suggestion = suggest_shade(4, all_zones(HELD))
    assert suggestion.shade == 4
    assert suggestion.step == 0
    assert suggestion.other_zones == ()
    assert "held" in suggestion.reason


def test_patchy_keeps_the_shade_because_gaps_are_density_work():
    assert suggest_shade(4, all_zones(PATCHY)).shade == 4


def test_mixed_zones_follow_the_majority_and_name_the_zones_that_need_another_shade():
    ratings = all_zones(HELD) | {Zone.CROWN: FADED, Zone.LEFT_TEMPLE: FADED}
    suggestion = suggest_shade(4, ratings)
    assert suggestion.shade == 4
    assert suggestion.zone_shades == {Zone.LEFT_TEMPLE: 5, Zone.CROWN: 5}
    assert suggestion.zone_shades_attr == "left_temple:5,crown:5"


def test_mostly_faded_zones_make_the_darker_shade_the_main_one():
    ratings = all_zones(FADED) | {Zone.FRONTAL_HAIRLINE: HELD}
    suggestion = suggest_shade(3, ratings)
    assert suggestion.shade == 4
    assert suggestion.zone_shades == {Zone.FRONTAL_HAIRLINE: 3}
    assert "Faded in left temple, right temple, mid-scalp and crown" in suggestion.reason


def test_a_tie_goes_to_the_lighter_shade_because_darker_cannot_be_undone():
    ratings = {Zone.CROWN: FADED, Zone.MID_SCALP: HELD}
    assert suggest_shade(4, ratings).shade == 4


def test_faded_at_the_lightest_shade_steps_to_the_next_one():
    assert suggest_shade(1, all_zones(FADED)).shade == 2


def test_held_at_the_lightest_shade_stays_there():
    assert suggest_shade(1, all_zones(HELD)).shade == 1


def test_faded_at_the_darkest_shade_never_steps_beyond_the_scale():
    suggestion = suggest_shade(7, all_zones(FADED))
    assert suggestion.shade == 7
    assert {z.zone for z in suggestion.capped_zones} == set(EVERY_ZONE)


def test_held_at_the_darkest_shade_stays_there_and_is_not_capped():
    suggestion = suggest_shade(7, all_zones(HELD))
    assert suggestion.shade == 7
    assert suggestion.capped_zones == ()


def test_a_zone_starts_from_its_own_shade_when_it_had_another_one_last_time():
    suggestion = suggest_shade(4, {Zone.CROWN: FADED, Zone.MID_SCALP: HELD, Zone.LEFT_TEMPLE: HELD},
                               previous_by_zone={Zone.CROWN: 5})
    assert suggestion.shade == 4
    assert suggestion.zone_shades == {Zone.CROWN: 6}


def test_no_ratings_suggest_the_previous_shade_and_say_nothing_was_rated():
    suggestion = suggest_shade(5, {})
    assert suggestion.shade == 5
    assert not suggestion.rated
    assert "No zone rated" in suggestion.reason


def test_unrated_zones_do_not_vote():
    ratings = {Zone.CROWN: FADED, Zone.MID_SCALP: None, Zone.FRONTAL_HAIRLINE: None}
    assert suggest_shade(4, ratings).shade == 5


@pytest.mark.parametrize("shade", [0, 8, None])
def test_a_previous_shade_off_the_scale_is_refused(shade):
    with pytest.raises(ValueError, match="not a shade"):
        suggest_shade(shade, all_zones(HELD))


@pytest.mark.parametrize("previous", range(1, 8))
@pytest.mark.parametrize("rating", [FADED, PATCHY, HELD])
def test_every_suggestion_stays_on_the_scale(previous, rating):
    suggestion = suggest_shade(previous, all_zones(rating) | {Zone.SCAR: rating})
    assert 1 <= suggestion.shade <= 7
    assert all(1 <= z.suggested <= 7 for z in suggestion.zones)
    assert suggestion.shade - previous in (0, 1)
