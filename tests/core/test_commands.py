"""The project's own commands: `bekitu iin check`, `deadline`, `audit verify`, `settings-doc`."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from bekitu.core.audit import audit_context, audit_record
from bekitu.core.management.commands.audit import describe
from bekitu.core.models import AuditEntry
from tests.factories import ProviderFactory

VALID = "850314301011"
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str]:
    """Run a command as `call_command` does; the exit code and what it printed."""
    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def exit_code_from_command_line(app: str, *argv: str) -> int:
    """Run a command the way the `bekitu` script does, where usage errors exit 2."""
    command = load_command_class(app, argv[0])
    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["bekitu", *argv])
    return int(exit_.value.code or 0)


# --- bekitu iin check --------------------------------------------------------------------


def test_iin_check_prints_one_json_object_per_number_and_exits_0_when_all_are_valid() -> None:
    code, out = run("iin", "check", VALID, "000000000101")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert lines[0] == {
        "iin": VALID,
        "valid": True,
        "reason": None,
        "birth_date_hint": "1985-03-14",
        "sex_hint": "male",
    }
    assert lines[1]["iin"] == "000000000101" and lines[1]["valid"] is True


def test_iin_check_exits_1_and_gives_each_reason_when_any_is_invalid() -> None:
    code, out = run("iin", "check", VALID, "123", "85031430101x", "850314301012", "000000002810")
    reasons = [json.loads(line)["reason"] for line in out.splitlines()]
    assert code == 1
    assert reasons == [None, "length", "not_digits", "checksum", "unusable"]


@pytest.mark.parametrize("argv", [("iin", "check"), ("iin",), ("iin", "lookup", VALID)])
def test_iin_usage_errors_exit_2(argv: tuple[str, ...]) -> None:
    assert exit_code_from_command_line("bekitu.core", *argv) == 2


def test_the_bekitu_script_runs_iin_check() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bekitu", "iin", "check", VALID, "1"],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bekitu.settings"},
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert [json.loads(line)["valid"] for line in done.stdout.splitlines()] == [True, False]


# --- bekitu deadline ---------------------------------------------------------------------


def test_deadline_prints_term_start_and_deadline_with_offsets() -> None:
    code, out = run("deadline", "--submitted", "2026-03-20T16:00:00+05:00")
    assert code == 0
    # Nauryz and its observed days off: the next working day is Thursday 26 March.
    assert json.loads(out) == {
        "term_start": "2026-03-20T16:00:00+05:00",
        "deadline": "2026-03-26T16:00:00+05:00",
    }


def test_deadline_reads_a_submission_in_utc_on_the_almaty_clock() -> None:
    _, out = run("deadline", "--submitted", "2026-03-13T13:30:00Z")
    assert json.loads(out) == {
        "term_start": "2026-03-16T08:00:00+05:00",
        "deadline": "2026-03-17T08:00:00+05:00",
    }


@pytest.mark.django_db
def test_deadline_uses_the_providers_own_hours() -> None:
    provider = ProviderFactory(opens=dt.time(9), closes=dt.time(17))
    argv = ("deadline", "--submitted", "2026-03-12T16:00:00+05:00")
    _, default = run(*argv)
    _, own = run(*argv, "--provider", provider.bin)
    assert json.loads(default)["term_start"] == "2026-03-12T16:00:00+05:00"
    # 16:00 is less than two hours before this provider closes at 17:00.
    assert json.loads(own) == {
        "term_start": "2026-03-13T09:00:00+05:00",
        "deadline": "2026-03-16T09:00:00+05:00",
    }


@pytest.mark.django_db
def test_deadline_with_an_unknown_provider_is_a_clear_error_with_exit_1() -> None:
    with pytest.raises(CommandError, match="No provider with BIN 000000000000") as error:
        run("deadline", "--submitted", "2026-03-12T10:00:00+05:00", "--provider", "000000000000")
    assert error.value.returncode == 1


@pytest.mark.parametrize("submitted", ["2026-03-20T16:00:00", "next friday"])
def test_deadline_refuses_a_time_without_offset_or_not_iso_with_exit_2(submitted: str) -> None:
    assert exit_code_from_command_line("bekitu.registry", "deadline", "--submitted", submitted) == 2


# --- bekitu audit verify -----------------------------------------------------------------


def _three_rows() -> list[AuditEntry]:
    with audit_context(actor="user:7", channel="cli"):
        return [audit_record(action="test.command", object_id=i) for i in range(3)]


@pytest.mark.django_db
def test_audit_verify_of_an_intact_chain_exits_0() -> None:
    _three_rows()
    code, out = run("audit", "verify")
    first, sentence = out.splitlines()
    assert code == 0
    assert json.loads(first) == {
        "ok": True,
        "checked": 3,
        "chain": None,
        "first_broken_seq": None,
        "problem": None,
    }
    assert sentence == "The audit chain is intact: 3 rows checked."


@pytest.mark.django_db
def test_audit_verify_names_an_edited_row_and_exits_1() -> None:
    rows = _three_rows()
    AuditEntry.objects.filter(pk=rows[1].pk).update(action="test.forged")
    code, out = run("audit", "verify")
    first, sentence = out.splitlines()
    assert code == 1
    assert json.loads(first) == {
        "ok": False,
        "checked": 1,
        "chain": rows[1].chain,
        "first_broken_seq": rows[1].seq,
        "problem": "content",
    }
    assert f"row {rows[1].seq} (test.forged at " in sentence and "edited" in sentence
    assert f"of chain {rows[1].chain}" in sentence


@pytest.mark.django_db
def test_audit_verify_names_a_deleted_row_and_exits_1() -> None:
    rows = _three_rows()
    AuditEntry.objects.filter(pk=rows[1].pk).delete()
    code, out = run("audit", "verify")
    first, sentence = out.splitlines()
    assert code == 1
    assert json.loads(first)["first_broken_seq"] == rows[1].seq
    assert json.loads(first)["problem"] == "missing"
    assert sentence.startswith(
        f"The audit chain is broken at row {rows[1].seq} of chain {rows[1].chain}: it is missing"
    )


@pytest.mark.django_db
def test_audit_verify_names_a_row_whose_link_was_rewritten() -> None:
    rows = _three_rows()
    AuditEntry.objects.filter(pk=rows[2].pk).update(prev_hash="f" * 64)
    code, out = run("audit", "verify")
    assert code == 1
    assert json.loads(out.splitlines()[0])["problem"] == "prev_hash"
    assert "does not chain to the row before it" in out


def test_audit_verify_explains_an_unknown_problem_by_its_code() -> None:
    from bekitu.core.audit import ChainReport

    assert "gremlins" in describe(ChainReport(False, 0, None, "gremlins"))


# --- bekitu settings-doc -----------------------------------------------------------------


def test_docs_settings_md_is_up_to_date() -> None:
    """Fails when a setting was added or changed: run `bekitu settings-doc` and commit."""
    code, out = run("settings-doc", "--check", "--output", str(ROOT / "docs" / "settings.md"))
    assert code == 0, out


def test_settings_doc_writes_a_page_that_then_checks_clean(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "settings.md"
    assert run("settings-doc", "--output", str(page))[0] == 0
    text = page.read_text(encoding="utf-8")
    assert "| `DATABASE_URL` | `sqlite:///$BEKITU_VAR_DIR/bekitu.sqlite3` |" in text
    assert "| `BEKITU_VAR_DIR` | `<project>/var` |" in text
    assert "| `BEKITU_SECRET_KEY` | (none in production) |" in text
    assert run("settings-doc", "--check", "--output", str(page))[0] == 0


def test_settings_doc_check_exits_1_when_the_page_differs(tmp_path: Path) -> None:
    page = tmp_path / "settings.md"
    run("settings-doc", "--output", str(page))
    page.write_text(page.read_text(encoding="utf-8").replace("`kk`", "`ru`"), encoding="utf-8")
    assert run("settings-doc", "--check", "--output", str(page))[0] == 1
    assert run("settings-doc", "--check", "--output", str(tmp_path / "missing.md"))[0] == 1


@pytest.mark.parametrize("channel", ["desk", "phone"])
def test_deadline_at_the_desk_or_by_phone_starts_at_submission_until_closing(channel) -> None:  # type: ignore[no-untyped-def]
    _, out = run("deadline", "--submitted", "2026-03-13T18:30:00+05:00", "--channel", channel)
    assert json.loads(out) == {
        "term_start": "2026-03-13T18:30:00+05:00",
        "deadline": "2026-03-16T18:30:00+05:00",
    }
    _, portal = run("deadline", "--submitted", "2026-03-13T18:30:00+05:00", "--channel", "portal")
    assert json.loads(portal)["term_start"] == "2026-03-16T08:00:00+05:00"
