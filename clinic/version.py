"""Pigment's version, written into backups' manifests (with the commit when run from git)."""

import subprocess
from functools import cache
from pathlib import Path

VERSION = "2026.12"


@cache
def full_version() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).resolve().parent,
            capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return VERSION
    return f"{VERSION}+{commit}" if commit else VERSION
