import pytest

from board.domain import kpi


def test_nps_from_answers():
    scores = [10, 9, 9, 10, 9, 9, 8, 7, 6, 0]  # 6 promoters, 2 passives, 2 detractors
    assert kpi.nps_counts(scores) == (6, 2, 2)
    assert kpi.nps(*kpi.nps_counts(scores)) == pytest.approx(40.0)


def test_nps_extremes_and_empty():
    assert kpi.nps(5, 0, 0) == 100
    assert kpi.nps(0, 0, 3) == -100
    assert kpi.nps(0, 4, 0) == 0
    assert kpi.nps(0, 0, 0) is None


@pytest.mark.parametrize("bad", [11, -1, 7.5, "9", True])
def test_nps_refuses_answers_outside_0_to_10(bad):
    with pytest.raises(ValueError, match="0-10"):
        kpi.nps_counts([9, bad])


def test_same_day_share():
    assert kpi.same_day_share(39, 40) == pytest.approx(0.975)
    assert kpi.same_day_share(0, 0) is None
    assert kpi.same_day_share(None, 10) is None


def test_remote_share_counts_phone_chat_and_eservice():
    share = kpi.remote_share({"phone": 30, "chat": 10, "omasote": 20, "visit": 40})
    assert share == pytest.approx(0.6)


def test_remote_share_unknown_when_a_channel_is_missing_or_nothing_happened():
    assert kpi.remote_share({"phone": 30, "chat": 10, "omasote": 20}) is None
    assert kpi.remote_share({"phone": 0, "chat": 0, "omasote": 0, "visit": 0}) is None
