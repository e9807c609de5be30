"""axe-core in the browser: WCAG 2.1 A and AA rules, with the allow-list of what we cannot
change (docs/accessibility.md).

axe-core is the npm package of `package.json`, installed at set-up by `npm ci` into
`node_modules/` (never copied into the repository); `BEKITU_AXE_JS` names another copy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = Path(os.environ.get("BEKITU_AXE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))

# The rules of WCAG 2.0 and 2.1, levels A and AA (axe's tags).
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    rule: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary,
                                html: n.html.slice(0, 160)})),
  }));
}"""


@dataclass(frozen=True)
class Allowed:
    """A violation in third-party markup that we cannot change, and why."""

    page: str  # the routed name of the page, or its start ("admin:" for every admin page)
    rule: str  # axe's rule id
    target: str  # a part of the node's CSS selector, as axe reports it
    reason: str


# Each entry: whose markup it is, what we tried, why it stays. Keep it short; an entry
# that no longer matches anything fails the check (see `unused`), so the list stays true.
ALLOWED: list[Allowed] = [
    Allowed(
        page="admin:",
        rule="aria-prohibited-attr",
        target=".help-tooltip.search-label-icon",
        reason="Django 5.2's admin script SelectFilter2.js (filter_horizontal: groups and "
        "permissions) writes aria-label on a bare <span> beside the filter box's own <label>, "
        "which already names the box; the span's text is also its title. Django's markup, "
        "drawn by its script: nothing to configure.",
    ),
    Allowed(
        page="admin:",
        rule="aria-input-field-name",
        target="select2",
        reason="select2 4.0.13, shipped inside Django 5.2's admin for autocomplete_fields, "
        "names its combobox only by the value chosen, so an empty one (an add form) has no "
        "name; the <select> it stands for keeps its <label>. Dropping autocomplete would "
        "leave selects of thousands of streets; select2's markup cannot be configured.",
    ),
    Allowed(
        page="api-docs",
        rule="select-name",
        target=".parameters-col_description > select",
        reason="Swagger UI 5 (drf-spectacular-sidecar) draws an enumerated parameter, once "
        "an operation is opened to try, as a <select> with no label; the parameter's name "
        "stands in the same table row. Swagger UI's React markup, with no setting for it.",
    ),
]


@dataclass(frozen=True)
class Finding:
    page: str
    label: str
    rule: str
    impact: str
    help: str
    target: str
    html: str
    summary: str

    def __str__(self) -> str:
        return (
            f"[{self.page}] {self.label}: {self.rule} ({self.impact}) {self.help}\n"
            f"    at {self.target}\n    {self.html}\n    {self.summary.replace(chr(10), ' ')}"
        )


def axe_source() -> str:
    """The axe-core script; fails with what to do when set-up has not installed it."""
    if not AXE_JS.exists():
        raise AssertionError(
            f"axe-core is not installed at {AXE_JS}: run `npm ci` at the repository root "
            "(make test does), or set BEKITU_AXE_JS"
        )
    return AXE_JS.read_text(encoding="utf-8")


def check(page: Any, name: str, label: str) -> list[Finding]:
    """Run axe on the page as it is now; every violation found, one per node."""
    findings = []
    for violation in page.evaluate(RUN, WCAG_21_AA):
        for node in violation["nodes"]:
            findings.append(
                Finding(
                    page=name,
                    label=label,
                    rule=violation["rule"],
                    impact=violation["impact"] or "",
                    help=violation["help"],
                    target=node["target"],
                    html=node["html"],
                    summary=node["summary"] or "",
                )
            )
    return findings


def allowed_by(finding: Finding) -> Allowed | None:
    """The allow-list entry that covers a finding, if any."""
    for entry in ALLOWED:
        if (
            finding.page.startswith(entry.page)
            and entry.rule == finding.rule
            and entry.target in finding.target
        ):
            return entry
    return None
