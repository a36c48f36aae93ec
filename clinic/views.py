from django.shortcuts import render


def home(request):
    """Landing page; each role's own home arrives with the front-desk, practitioner and
    portal issues."""
    return render(request, "home.html")
