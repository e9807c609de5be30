"""`bekitu handbook build`: write the BPMN files from their description (`appendix1.py`,
`appendix2.py`); `bekitu handbook check`: fail when a committed file differs from it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bekitu.handbook.bpmnxml import diagram_xml
from bekitu.handbook.diagrams import DIAGRAMS, bpmn_path


class Command(BaseCommand):
    help = "Write (build) or compare (check) the handbook's BPMN files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["build", "check"])

    def handle(self, *args: object, **options: object) -> None:
        stale = []
        for diagram in DIAGRAMS.values():
            path, xml = bpmn_path(diagram), diagram_xml(diagram)
            if options["action"] == "build":
                path.write_bytes(xml)
                self.stdout.write(f"wrote {path.name}")
            elif not path.exists() or path.read_bytes() != xml:
                stale.append(path.name)
        if stale:
            raise CommandError(f"out of date, run `bekitu handbook build`: {', '.join(stale)}")
