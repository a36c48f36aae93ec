"""Password rules beyond Django's: staff accounts open clinical records of many clients, so
their passwords are longer than the clients' (ASVS: at least 12 characters)."""

from django.contrib.auth.password_validation import MinimumLengthValidator


class StaffMinimumLengthValidator(MinimumLengthValidator):
    """At least `min_length` (12) characters for staff and superusers; clients are left to
    Django's own minimum. A password set before the account exists (no user) is held to the
    staff length: the safe side when it is not known whose it will be."""

    def __init__(self, min_length: int = 12):
        super().__init__(min_length=min_length)

    def validate(self, password, user=None):
        if user is not None and not _is_staff_account(user):
            return
        super().validate(password, user)

    def get_help_text(self):
        return f"Staff passwords must contain at least {self.min_length} characters."


def _is_staff_account(user) -> bool:
    if user.is_superuser or user.is_staff:
        return True
    if user.pk is None:
        return False
    from clinic.models import StaffProfile

    return StaffProfile.objects.filter(user_id=user.pk).exists()
