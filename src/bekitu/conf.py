"""Every setting Bekitu reads from the environment, in one place, each with a help line.

`bekitu.settings` reads these; `bekitu settings-doc` writes docs/settings.md from them, so the
documentation cannot drift from the code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    secret: bool = False


REGISTRY: dict[str, Setting] = {}


def declare(name: str, default: str, help: str, *, secret: bool = False) -> Setting:
    """Register a setting so that it is documented; return it."""
    setting = Setting(name=name, default=default, help=help, secret=secret)
    REGISTRY[name] = setting
    return setting


def env_str(name: str, default: str, help: str, *, secret: bool = False) -> str:
    """Read a string setting from the environment."""
    declare(name, default, help, secret=secret)
    return os.environ.get(name, default)


def env_bool(name: str, default: bool, help: str) -> bool:
    """Read a boolean setting: 1/true/yes/on mean true."""
    declare(name, "true" if default else "false", help)
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int, help: str) -> int:
    """Read an integer setting."""
    declare(name, str(default), help)
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else int(raw)


def env_list(name: str, default: str, help: str) -> list[str]:
    """Read a comma-separated list setting."""
    raw = env_str(name, default, help)
    return [item.strip() for item in raw.split(",") if item.strip()]


def settings_markdown() -> str:
    """The table of settings for docs/settings.md."""
    lines = [
        "# Settings",
        "",
        "Every setting is read from the environment in `src/bekitu/conf.py` / `settings.py`.",
        "This page is written by `bekitu settings-doc`; do not edit it by hand.",
        "",
        "| variable | default | what it does |",
        "|---|---|---|",
    ]
    for s in sorted(REGISTRY.values(), key=lambda s: s.name):
        default = (
            "(none in production)" if s.secret else (f"`{s.default}`" if s.default else "(empty)")
        )
        lines.append(f"| `{s.name}` | {default} | {s.help} |")
    return "\n".join(lines) + "\n"


OWNER_ONLY_UMASK = 0o077


def owner_only(folders: list[Path], files: list[Path]) -> None:
    """Make what the service writes readable by its own user only: the process's umask
    (every file and folder it creates from now on), and the modes of the folders and files
    that exist already (a var folder, a database or scans from an earlier version). A folder
    already owner-only is taken as done, so a start-up does not walk every scan each time."""
    os.umask(OWNER_ONLY_UMASK)
    for folder in folders:
        if not folder.is_dir() or folder.stat().st_mode & 0o077 == 0:
            continue
        for root, dirs, names in os.walk(folder):
            os.chmod(root, 0o700)
            for name in names:
                path = Path(root, name)
                if not path.is_symlink():
                    os.chmod(path, path.stat().st_mode & 0o700)
            dirs[:] = [d for d in dirs if not Path(root, d).is_symlink()]
    for file in files:
        if file.is_file():
            os.chmod(file, file.stat().st_mode & 0o700)
