"""`bekitu settings-doc [--check]`: write docs/settings.md from the declared settings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

import bekitu.settings as project_settings
from bekitu.conf import settings_markdown


def portable(markdown: str, var_dir: Path, project_dir: Path) -> str:
    """The page with this machine's paths replaced by names, so it is the same on every clone:
    defaults derived from the var folder read `$BEKITU_VAR_DIR/...`, others `<project>/...`."""
    lines = []
    for line in markdown.splitlines(keepends=True):
        if not line.startswith("| `BEKITU_VAR_DIR`"):
            line = line.replace(str(var_dir), "$BEKITU_VAR_DIR")
        lines.append(line.replace(str(project_dir), "<project>"))
    return "".join(lines)


def render() -> str:
    """docs/settings.md as it should read now."""
    return portable(settings_markdown(), project_settings.VAR_DIR, project_settings.PROJECT_DIR)


class Command(BaseCommand):
    help = "Write docs/settings.md from the settings declared in bekitu.settings."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="exit 1 if the file differs; write nothing"
        )
        parser.add_argument(
            "--output",
            type=Path,
            default=project_settings.PROJECT_DIR / "docs" / "settings.md",
            help="where the page goes (default: docs/settings.md of the project)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["output"]
        text = render()
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if options["check"]:
            if current != text:
                self.stderr.write(f"{path} is out of date: run `bekitu settings-doc`.")
                sys.exit(1)
            self.stdout.write(f"{path} is up to date.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {path}.")
