"""The day geo_era dates records by is Scotland's, whatever the server's clock is set to
(R18-R21: deadlines run in Scotland's clear working days from the day of notification)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from geo_era import clock

UTC = dt.UTC


@pytest.mark.parametrize(("utc", "day"), [
    # 23:30 UTC on 15 June is 00:30 BST on the 16th: a decision recorded then is the 16th's.
    (dt.datetime(2026, 6, 15, 23, 30, tzinfo=UTC), dt.date(2026, 6, 16)),
    # In winter Scotland keeps GMT: 23:30 UTC is still the 15th.
    (dt.datetime(2026, 12, 15, 23, 30, tzinfo=UTC), dt.date(2026, 12, 15)),
    # The last minute of the 28 March 2026 in GMT, the night the clocks go forward.
    (dt.datetime(2026, 3, 28, 23, 59, tzinfo=UTC), dt.date(2026, 3, 28)),
    # 00:30 UTC on 25 October 2026 is 01:30 BST, an hour before the clocks go back.
    (dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), dt.date(2026, 10, 25)),
    # 23:15 UTC on 24 October 2026 is 00:15 BST on the 25th.
    (dt.datetime(2026, 10, 24, 23, 15, tzinfo=UTC), dt.date(2026, 10, 25)),
])
def test_today_is_the_day_in_scotland_not_the_servers(utc: dt.datetime, day: dt.date) -> None:
    with time_machine.travel(utc, tick=False):
        assert dt.datetime.now(UTC) == utc  # the server's clock reads UTC
        assert clock.today() == day
