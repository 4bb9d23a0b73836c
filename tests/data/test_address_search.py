"""Finding a property by a typed address (:mod:`geo_era.data.address_search`): the query
read in every Scottish flat notation, against a table written by hand; the index over a
hand-written list, across notations; and the demo town searched for an address this
test writes itself (R39, R40: floors and closes come from the flat notation; R26: the
SOLO's accommodation information starts from the address)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from geo_era.data.address_search import AddressIndex, AddressQuery, read_query
from tests.conftest import import_demo

#: query -> (number, street, locality, floor, door), worked out by hand.
QUERIES: list[tuple[str, tuple[str | None, str | None, str | None, int | None, str | None]]] = [
    ("2F1 12 Oak Road", ("12", "oak road", None, 2, "1")),
    ("2f1 12 oak road", ("12", "oak road", None, 2, "1")),
    ("Flat 2/1", (None, None, None, 2, "1")),
    ("flat 2/1, 12 Oak Rd", ("12", "oak road", None, 2, "1")),
    ("Flat 2/1 12 Oak Road", ("12", "oak road", None, 2, "1")),
    ("12/3 Oak Road", ("12", "oak road", None, None, "3")),
    ("G/1", (None, None, None, 0, "1")),
    ("g/l 5 elm st", ("5", "elm street", None, 0, "L")),
    ("GF2 3 Ash Street, Inverallan", ("3", "ash street", "inverallan", 0, "2")),
    ("BF1 7 Ash Street", ("7", "ash street", None, -1, "1")),
    ("Upper Flat, 4 Birch Lane", ("4", "birch lane", None, 1, None)),
    ("  12   Oak  ", ("12", "oak", None, None, None)),
    ("2F1 12", ("12", None, None, 2, "1")),
    ("oak", (None, "oak", None, None, None)),
    ("", (None, None, None, None, None)),
]


@pytest.mark.parametrize(("text", "expected"), QUERIES)
def test_a_query_is_read_in_every_flat_notation(
        text: str,
        expected: tuple[str | None, str | None, str | None, int | None, str | None]) -> None:
    """R39, R40: a floor and a door whichever notation is typed, case aside."""
    query = read_query(text)
    assert isinstance(query, AddressQuery)
    assert (query.number, query.street, query.locality, query.floor, query.door) == expected


#: A hand-written properties layer: one close in Edinburgh notation, one in Glasgow's,
#: a house, and a street whose name starts like another's.
IDS = ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"]
ADDRESSES = [
    "GF1 12 Oak Road, Inverallan", "1F1 12 Oak Road, Inverallan",
    "2F1 12 Oak Road, Inverallan", "2F2 12 Oak Road, Inverallan",
    "Flat 2/1, 15 Elm Street, Inverallan", "Flat G/L, 15 Elm Street, Inverallan",
    "9 Oak Road, Inverallan", "12 Oakfield Place, Inverallan",
]


@pytest.mark.parametrize(("text", "found"), [
    ("2F1 12 Oak Road", ["P3"]),
    ("Flat 2/1, 12 Oak Road", ["P3"]),  # Glasgow notation finds an Edinburgh address
    ("2F1 15 Elm Street", ["P5"]),  # and the other way about
    ("flat 2/1", ["P3", "P5"]),  # street order: Elm, then Oak
    ("G/1 12 oak road", ["P1"]),
    ("g/l", ["P6"]),
    ("12 Oak R", ["P1", "P2", "P3", "P4"]),  # still typing; floor then door order
    ("12 oak", ["P1", "P2", "P3", "P4", "P8"]),  # a word's start: Oakfield too
    ("oak road", ["P7", "P1", "P2", "P3", "P4"]),  # number 9 before 12
    ("road", ["P7", "P1", "P2", "P3", "P4"]),
    ("p5", ["P5"]),  # a property id, case aside
    ("12 Oak Road, Elsewhere", []),
    ("3F1 12 Oak Road", []),
    ("", []),
])
def test_the_index_finds_what_was_typed(text: str, found: list[str]) -> None:
    """R39, R40: what the query states agrees, in street, number, floor, door order."""
    index = AddressIndex(IDS, ADDRESSES)
    matches, total = index.search(text, limit=10)
    assert [m.property_id for m in matches] == found
    assert total == len(found)


def test_the_limit_and_the_total() -> None:
    index = AddressIndex(IDS, ADDRESSES)
    matches, total = index.search("Inverallan oak", limit=2)  # no number: street "inverallan oak"
    assert (matches, total) == ([], 0)
    matches, total = index.search("oak road", limit=2)
    assert [m.property_id for m in matches] == ["P7", "P1"] and total == 5


def test_the_demo_town_is_searched_for_an_address_written_by_hand(
        demo_files: list[Path], tmp_path: Path) -> None:
    """The demo town's tenement flats in Edinburgh notation are found when their
    address is typed in Glasgow notation, lower case, with the street still being
    typed; each search takes well under a millisecond per thousand properties."""
    store = import_demo(demo_files, tmp_path / "home")
    layer = store.read_attributes("properties", ["property_id", "address"])
    edinburgh = re.compile(r"^([1-9])F([1-9]) (\d+) ([A-Za-z ]+), ([A-Za-z]+)$")
    rows = [(str(i), str(a), m) for i, a in zip(layer["property_id"], layer["address"],
                                                strict=True) if (m := edinburgh.match(a))]
    assert rows, "the demo town has tenement flats in Edinburgh notation"
    started = time.perf_counter()
    index = AddressIndex(layer["property_id"].astype(str).tolist(),
                         layer["address"].astype(str).tolist())
    built = time.perf_counter() - started
    for property_id, address, m in rows[:25]:
        floor, door, number, street, _town = m.groups()
        typed = f"flat {floor}/{door}, {number} {street.lower()[:-2]}"
        matches, total = index.search(typed)
        assert [x.property_id for x in matches] == [property_id], (typed, address)
        assert total == 1
    started = time.perf_counter()
    for _ in range(100):
        index.search("flat 2/1")
    per_search = (time.perf_counter() - started) / 100
    assert built < 2.0 and per_search < 0.05, (built, per_search)
