from clinic.access import current_clinic, role_of, staff_clinics


def navigation(request):
    """Role and clinic for the navigation bar (two small queries, cached per request)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not hasattr(request, "_pigment_nav"):
        role = role_of(user)
        request._pigment_nav = {
            "nav_role": role,
            "nav_clinics": list(staff_clinics(user)) if role else [],
            "nav_current_clinic": current_clinic(request) if role else None,
            "nav_is_client": getattr(user, "client_profile", None) is not None,
        }
    return request._pigment_nav
