"""The demo loader's COPY text: what the forked generator sends PostgreSQL must read back as
the rows it was made from."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from bekitu.devtools.demo.writer import copy_text

pytestmark = pytest.mark.django_db

ROWS = [
    (1, "Tab\there", "back\\slash", None, True, dt.date(2020, 2, 29)),
    (2, "line\nbreak\r", "Әлия", "", False, dt.date(1999, 12, 31)),
]


def test_copy_text_escapes_and_marks_null() -> None:
    text = copy_text(ROWS).decode()
    assert text.splitlines()[0] == "1\tTab\\there\tback\\\\slash\t\\N\tt\t2020-02-29"
    assert copy_text([]) == b""
    moment = dt.datetime(2026, 1, 2, 9, 0, tzinfo=ZoneInfo("Asia/Almaty"))
    assert copy_text([(moment, dt.time(8, 30))]) == b"2026-01-02T09:00:00+05:00\t08:30:00\n"


def test_copy_text_formats_a_column_of_one_type_or_mixed_with_null() -> None:
    moment = dt.datetime(2021, 5, 4, 10, 0, tzinfo=ZoneInfo("Asia/Almaty"))
    rows = [(moment, 1, "a"), (None, 2, "b\tc"), (moment, 3, "d")]
    assert copy_text(rows).decode().splitlines() == [
        "2021-05-04T10:00:00+06:00\t1\ta",
        "\\N\t2\tb\\tc",
        "2021-05-04T10:00:00+06:00\t3\td",
    ]


def test_postgresql_reads_the_rows_back() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copied (id int, a text, b text, c text, d boolean, e date)"
        )
        with cursor.copy("COPY copied FROM STDIN") as copy:
            copy.write(copy_text(ROWS))
        cursor.execute("SELECT * FROM copied ORDER BY id")
        assert cursor.fetchall() == ROWS


def test_the_generator_s_random_draws_what_random_random_draws() -> None:
    """Its shortcuts change no number: a seed gives the rows it gave before."""
    import random

    from bekitu.devtools.demo.households import DemoRandom

    ours, theirs = DemoRandom("bekitu-demo:1:x"), random.Random("bekitu-demo:1:x")
    for low, high in [(0, 0), (1, 2), (-2, 6), (0, 364), (1, 9_999_999), (30, 1460)] * 50:
        assert ours.randint(low, high) == theirs.randint(low, high)
        assert ours.choice("abcdefg"[: high % 7 + 1]) == theirs.choice("abcdefg"[: high % 7 + 1])
        assert ours.random() == theirs.random()
    with pytest.raises(ValueError, match="empty range"):
        ours.randint(2, 1)
    with pytest.raises(IndexError):
        ours.choice([])


def test_moments_are_formatted_once_per_object_and_keep_their_order() -> None:
    almaty = ZoneInfo("Asia/Almaty")
    nine = dt.datetime(2026, 1, 2, 9, 0, tzinfo=almaty)
    ten = dt.datetime(2026, 1, 2, 10, 0, tzinfo=almaty)
    text = copy_text([(nine,), (None,), (ten,), (nine,)]).decode()
    assert text.splitlines() == [
        "2026-01-02T09:00:00+05:00",
        "\\N",
        "2026-01-02T10:00:00+05:00",
        "2026-01-02T09:00:00+05:00",
    ]
