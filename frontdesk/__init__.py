"""Front desk and managers: calendar, clients, plans, booking, money, worklists, day sheet
and the aftercare outbox. Views, forms and URLs only (no models); the rules and every write
live in the domain apps (clinic, sessions_app, aftercare)."""
