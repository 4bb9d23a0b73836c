"""The day in Scotland.

geo_era dates what people record (a decision, a move-in, a review, a disclosure) by the
calendar day in Scotland, not by the server's clock: a server kept in UTC would date a
decision recorded at 00:30 on a summer morning the day before. Times are still stored in
UTC; only the *day* is read here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: Scotland's civil time: GMT in winter, BST in summer.
SCOTLAND = ZoneInfo("Europe/London")


def today() -> dt.date:
    """Today's date in Scotland."""
    return dt.datetime.now(SCOTLAND).date()
