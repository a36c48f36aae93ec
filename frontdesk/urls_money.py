"""Deposits, bills, worklists, day sheet. Names are a contract: other areas and
the front-desk home link to them."""

from django.urls import path

from frontdesk import money_views as views

app_name = "money"
urlpatterns = [
    path("plans/<int:plan_id>/bill/", views.plan_bill_view, name="plan_bill"),
    path("plans/<int:plan_id>/deposit/", views.take_deposit, name="take_deposit"),
    path("plans/<int:plan_id>/payment/", views.record_payment, name="record_payment"),
    path("deposits/<int:deposit_id>/", views.deposit_detail, name="deposit_detail"),
    path("deposits/<int:deposit_id>/refund/", views.refund_deposit, name="refund_deposit"),
    path("deposits/<int:deposit_id>/forfeit/", views.forfeit_deposit, name="forfeit_deposit"),
    path("deposits/<int:deposit_id>/receipt/", views.deposit_receipt_view, name="deposit_receipt"),
    path("worklists/", views.worklists_home, name="worklists"),
    path("worklists/third-session/", views.worklist_third_session, name="worklist_third_session"),
    path("worklists/unpaid-deposits/", views.worklist_unpaid_deposits, name="worklist_unpaid_deposits"),
    path("worklists/paperwork/", views.worklist_paperwork, name="worklist_paperwork"),
    path("worklists/no-shows/", views.worklist_no_shows, name="worklist_no_shows"),
    path("worklists/unsettled/", views.worklist_unsettled, name="worklist_unsettled"),
    path("day-sheet/", views.day_sheet, name="day_sheet"),
]
