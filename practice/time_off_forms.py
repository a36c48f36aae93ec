"""A practitioner's time-off request: days (and hours) on their clinic's clock."""

from sessions_app.time_off_form import TimeOffSpanForm


class TimeOffRequestForm(TimeOffSpanForm):
    """The same span the managers enter; the request waits for a manager's approval."""
