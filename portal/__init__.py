"""Clients: their own plan, aftercare window, sessions, messages and preferences. Views,
forms and URLs only (no models); writes go through clinic.portal and the booking service."""
