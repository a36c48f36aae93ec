from django import template

from clinic.second_factor import has_factor

register = template.Library()


@register.simple_tag
def second_factor_on(user) -> bool:
    """Whether `user` signs in with an authenticator app (the portal's security card)."""
    return has_factor(user)
