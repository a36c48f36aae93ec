"""Sign in with an e-mail address as well as a username (clients use their e-mail)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and "@" in username:
            matches = list(get_user_model().objects.filter(email__iexact=username.strip())[:2])
            if len(matches) == 1:  # an ambiguous address signs nobody in
                username = matches[0].get_username()
        return super().authenticate(request, username=username, password=password, **kwargs)
