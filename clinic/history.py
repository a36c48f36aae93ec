"""Who made a change (R16): every service writes its rows through `save_by`, so the history
row names the acting user also outside a web request (admin actions, tasks, the shell)."""

from __future__ import annotations


def save_by(obj, by, *, clean: bool = False, **kwargs) -> None:
    """Save `obj` with `by` on its history row; `clean` validates the row first."""
    obj._history_user = by
    if clean:
        obj.full_clean()
    obj.save(**kwargs)


def person_name(user, *, nobody: str = "System") -> str:
    """How a person is named on pages and in messages: full name, else the username."""
    if user is None:
        return nobody
    return user.get_full_name() or user.get_username()
