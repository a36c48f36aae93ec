"""Front desk: calendar, clients, plans, booking. Mounted at /desk/."""

from django.urls import path

from frontdesk import booking_views as bookings
from frontdesk import erasure_views, import_views, recall_views
from frontdesk import paperwork_views as paperwork
from frontdesk import views as desk

app_name = "frontdesk"
urlpatterns = [
    path("", desk.home, name="home"),
    path("calendar/", bookings.calendar, name="calendar"),
    path("calendar/slot/", bookings.calendar_slot, name="calendar_slot"),
    path("clients/", desk.client_list, name="client_list"),
    path("clients/new/", desk.client_create, name="client_create"),
    path("clients/import/", import_views.client_import, name="client_import"),
    path("clients/import/confirm/", import_views.client_import_confirm, name="client_import_confirm"),
    path("clients/<int:client_id>/", desk.client_detail, name="client_detail"),
    path("clients/<int:client_id>/edit/", desk.client_edit, name="client_edit"),
    path("clients/<int:client_id>/erase/", erasure_views.client_erase, name="client_erase"),
    path("clients/<int:client_id>/plans/new/", desk.plan_create, name="plan_create"),
    path("plans/<int:plan_id>/", desk.plan_detail, name="plan_detail"),
    path("plans/<int:plan_id>/amend/", desk.plan_amend, name="plan_amend"),
    path("plans/<int:plan_id>/cancel/", desk.plan_cancel, name="plan_cancel"),
    path("plans/<int:plan_id>/book/", bookings.book_session, name="book_session"),
    path("plans/<int:plan_id>/book/check/", bookings.book_check, name="book_check"),
    path("plans/<int:plan_id>/book/slots/", bookings.book_slots, name="book_slots"),
    # Touch-up recall (R15): the list, and "Book a touch-up" (POST).
    path("recalls/", recall_views.recall_list, name="recalls"),
    path("recalls/<int:plan_id>/touch-up/", recall_views.recall_touch_up, name="recall_touch_up"),
    path("sessions/<int:session_id>/reschedule/", bookings.session_reschedule, name="session_reschedule"),
    path(
        "sessions/<int:session_id>/reschedule/preview/", bookings.session_reschedule_preview,
        name="session_reschedule_preview",
    ),
    path("sessions/<int:session_id>/cancel/", bookings.session_cancel, name="session_cancel"),
    path("sessions/<int:session_id>/check-in/", bookings.session_check_in, name="session_check_in"),
    path("sessions/<int:session_id>/no-show/", bookings.session_no_show, name="session_no_show"),
    # Paperwork (R17): the clinic tablet, and the managers' set-up.
    path("clients/<int:client_id>/paperwork/tablet/", paperwork.start_tablet, name="paperwork_tablet"),
    path("paperwork/", paperwork.setup, name="paperwork_setup"),
    path("paperwork/questions/", paperwork.setup_questions, name="paperwork_setup_questions"),
    path("paperwork/consent/", paperwork.setup_consent, name="paperwork_setup_consent"),
]
