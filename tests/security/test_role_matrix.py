"""The role-by-endpoint matrix: every API operation × every role (and nobody), against a policy.

`POLICY` declares, for each operation id of the published OpenAPI schema, who may call it:

- PUBLIC: anyone, signed in or not;
- SIGNED_IN: any signed-in account (the endpoint shows or changes the caller's own records only);
- SIGNED: nobody with a user's credentials; the caller proves itself another way (a kiosk device
  token, a courier or payment gateway signature);
- CREDENTIALS: the sign-in itself; whoever calls it with a wrong password gets 401;
- a tuple of roles: those roles only.

A caller the policy refuses must get 401, 403 or 404; a caller it allows must not get 401 or 403;
nobody may get a 5xx. An operation missing from POLICY fails the test, so that a new endpoint
cannot ship without a declared policy.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from exitentry.accommodation.tests.factories import hotel_operator
from exitentry.accounts.models import Role
from exitentry.accounts.tests.factories import UserFactory
from exitentry.servicepoints.tests.factories import ServicePointFactory
from tests.security import matrix

PUBLIC = "public"
SIGNED_IN = "signed_in"
SIGNED = "signed"
CREDENTIALS = "credentials"

A = Role.APPLICANT
O = Role.OFFICER  # noqa: E741
S = Role.SUPERVISOR
M = Role.MANAGER
H = Role.HOTEL_OPERATOR
HL = Role.HOTLINE_AGENT
E = Role.ENTERPRISE
W = Role.WORK_PERMIT_OFFICER
P = Role.POLICE
AD = Role.ADMIN

POLICY: dict[str, Any] = {
    # core, ops, accounts
    "exitentry_core_api_health": PUBLIC,
    "exitentry_ops_api_ready": PUBLIC,
    "exitentry_accounts_api_create_token": CREDENTIALS,
    "exitentry_accounts_api_me": SIGNED_IN,
    # reference data
    "exitentry_workdays_api_add_working_days": PUBLIC,
    "exitentry_workdays_api_day": PUBLIC,
    "exitentry_catalog_api_list_services": PUBLIC,
    "exitentry_catalog_api_checklist": PUBLIC,
    "exitentry_catalog_api_promised_date": PUBLIC,
    "exitentry_identity_api_check_resident_id": PUBLIC,
    "exitentry_identity_api_check_mrz": PUBLIC,
    "exitentry_servicepoints_api_list_points": PUBLIC,
    "exitentry_servicepoints_api_point_detail": PUBLIC,
    "exitentry_servicepoints_api_point_slots": PUBLIC,
    "exitentry_routing_api_recommendations": PUBLIC,
    "exitentry_transit_api_check": PUBLIC,
    "exitentry_transit_api_places": PUBLIC,
    "exitentry_transit_api_ports": PUBLIC,
    "exitentry_insight_api_public_figures": PUBLIC,
    "exitentry_foreigners_api_port_visa_reasons": PUBLIC,
    "exitentry_accommodation_api_list_areas": PUBLIC,
    "exitentry_accommodation_api_csv_template": PUBLIC,
    # consult: articles are public, tickets belong to hotline agents, escalations to supervisors
    "exitentry_consult_api_search": PUBLIC,
    "exitentry_consult_api_article": PUBLIC,
    "exitentry_consult_api_open_ticket": (HL, AD),
    "exitentry_consult_api_get_ticket": (HL, AD),
    "exitentry_consult_api_consent": (HL, AD),
    "exitentry_consult_api_lookup": (HL, AD),
    "exitentry_consult_api_verify": (HL, AD),
    "exitentry_consult_api_caller": (HL, AD),
    "exitentry_consult_api_share": (HL, AD),
    "exitentry_consult_api_book_for_caller": (HL, AD),
    "exitentry_consult_api_cancel_for_caller": (HL, AD),
    "exitentry_consult_api_close": (HL, AD),
    "exitentry_consult_api_escalate": (HL, AD),
    "exitentry_consult_api_escalations": (S, AD),
    "exitentry_consult_api_resolve": (S, AD),
    "exitentry_consult_api_request_visit": (A, E, AD),
    "exitentry_consult_api_my_visits": SIGNED_IN,
    "exitentry_consult_api_visit_queue": (O, S, AD),
    "exitentry_consult_api_decide": (O, S, AD),
    "exitentry_consult_api_schedule": (O, S, AD),
    "exitentry_consult_api_file_application": (O, S, AD),
    # appointments and applications
    "exitentry_appointments_api_book": SIGNED_IN,
    "exitentry_appointments_api_my_appointments": SIGNED_IN,
    "exitentry_appointments_api_appointment_detail": SIGNED_IN,
    "exitentry_appointments_api_cancel": SIGNED_IN,
    "exitentry_applications_api_submit": SIGNED_IN,
    "exitentry_applications_api_my_applications": SIGNED_IN,
    "exitentry_applications_api_zero_visit_eligibility": SIGNED_IN,
    "exitentry_applications_api_work_queue": (O, S, M, AD),
    "exitentry_applications_api_sla_flags": (S, M, AD),
    "exitentry_applications_api_bulk_file": (E,),
    "exitentry_applications_api_bulk_filings": (E,),
    "exitentry_applications_api_bulk_filing": (E,),
    "exitentry_applications_api_courier_event": SIGNED,
    "exitentry_applications_api_form_pdf": SIGNED_IN,
    "exitentry_applications_api_receipt_pdf": SIGNED_IN,
    "exitentry_applications_api_application_detail": SIGNED_IN,
    "exitentry_applications_api_upload_material": SIGNED_IN,
    "exitentry_applications_api_permit_shipment": SIGNED_IN,
    "exitentry_applications_api_permit_received": (O, S, AD),
    "exitentry_applications_api_approve": (O, S, AD),
    "exitentry_applications_api_reject": (O, S, AD),
    "exitentry_applications_api_request_materials": (O, S, AD),
    "exitentry_applications_api_start_production": (O, S, AD),
    "exitentry_applications_api_produce": (O, S, AD),
    "exitentry_applications_api_dispatch": (O, S, AD),
    "exitentry_applications_api_delivered": (O, S, AD),
    "exitentry_applications_api_hand_over": (O, S, AD),
    "exitentry_applications_api_withdraw": SIGNED_IN,
    "exitentry_applications_api_track": PUBLIC,
    # payments
    "exitentry_payments_api_callback": SIGNED,
    "exitentry_payments_api_my_orders": SIGNED_IN,
    "exitentry_payments_api_order_detail": SIGNED_IN,
    "exitentry_payments_api_start_payment": SIGNED_IN,
    "exitentry_payments_api_counter_payment": (O, S, AD),
    "exitentry_payments_api_refund": (O, S, M, AD),
    # photos
    "exitentry_photos_api_assess": SIGNED_IN,
    "exitentry_photos_api_get_burst": SIGNED_IN,
    "exitentry_photos_api_override": (O, S, M, AD),
    # notifications
    "exitentry_notifications_api_inbox": SIGNED_IN,
    "exitentry_notifications_api_read_all": SIGNED_IN,
    "exitentry_notifications_api_read_one": SIGNED_IN,
    "exitentry_notifications_api_outbox": (O, S, M, HL, AD),
    # queueing: the hall is public, counters and tickets belong to hall staff
    "exitentry_queueing_api_hall_queue": PUBLIC,
    "exitentry_queueing_api_issue_ticket": PUBLIC,
    "exitentry_queueing_api_check_in": PUBLIC,
    "exitentry_queueing_api_open_counter": (O, S, M, AD),
    "exitentry_queueing_api_close_counter": (O, S, M, AD),
    "exitentry_queueing_api_call_next": (O, S, M, AD),
    "exitentry_queueing_api_counter_queue": (O, S, M, AD),
    "exitentry_queueing_api_ticket_detail": (O, S, M, AD),
    "exitentry_queueing_api_recall": (O, S, M, AD),
    "exitentry_queueing_api_start": (O, S, M, AD),
    "exitentry_queueing_api_finish": (O, S, M, AD),
    "exitentry_queueing_api_no_show": (O, S, M, AD),
    "exitentry_queueing_api_transfer": (O, S, M, AD),
    # kiosk: devices speak with their own token
    "exitentry_kiosk_api_heartbeat": SIGNED,
    "exitentry_kiosk_api_read_mrz": SIGNED,
    "exitentry_kiosk_api_list_devices": (O, S, M, AD),
    "exitentry_kiosk_api_register_device": (O, S, M, AD),
    # insight
    "exitentry_insight_api_dashboard": (S, M, AD),
    # accommodation: hotels register guests, police read them, private hosts register anonymously
    "exitentry_accommodation_api_register_guest": (H,),
    "exitentry_accommodation_api_list_registrations": (H, P, AD),
    "exitentry_accommodation_api_import_guests": (H,),
    "exitentry_accommodation_api_police_registration": (P, AD),
    "exitentry_accommodation_api_check_out": (H,),
    "exitentry_accommodation_api_register_private_stay": PUBLIC,
    "exitentry_accommodation_api_check_out_private_stay": PUBLIC,
    # foreigners
    "exitentry_foreigners_api_file_application": (A, E, AD),
    "exitentry_foreigners_api_my_cases": SIGNED_IN,
    "exitentry_foreigners_api_one_case": SIGNED_IN,
    "exitentry_foreigners_api_decision_queue": (O, S, W, AD),
    "exitentry_foreigners_api_approve": (O, S, W, AD),
    "exitentry_foreigners_api_refuse": (O, S, W, AD),
    "exitentry_foreigners_api_my_work_permits": SIGNED_IN,
    "exitentry_foreigners_api_record_port_visa": (O, S, AD),
    "exitentry_foreigners_api_issue_port_visa": (O, S, AD),
    "exitentry_foreigners_api_refuse_port_visa": (O, S, AD),
}

# Input the schema cannot describe: the service checks it against reference data.
OVERRIDES: dict[str, dict[str, Any]] = {
    "exitentry_applications_api_request_materials": {"materials": ["resident_id_card"]},
}

# Who an operation's context needs: hotel operators and enterprises act for an organisation,
# officers and supervisors for service points. Each principal holds what its role normally holds.
PRINCIPALS: list[str | None] = [None, *Role.values]
REFUSED = {401, 403, 404}
NOT_ALLOWED_THROUGH = {401, 403}

OPERATIONS = matrix.operations()


def allowed(policy: Any, role: str | None) -> bool:
    if policy == PUBLIC:
        return True
    if policy == SIGNED:
        return False
    if role is None:
        return False
    if policy == SIGNED_IN:
        return True
    return role in policy


@pytest.fixture
def tokens(db: Any) -> dict[str | None, str | None]:
    point = ServicePointFactory()
    found: dict[str | None, str | None] = {None: None}
    for role in Role.values:
        if role == Role.HOTEL_OPERATOR:
            user = hotel_operator()
        else:
            user = UserFactory(
                role=role, organisation="Harbour Trading Ltd" if role == Role.ENTERPRISE else ""
            )
        if role in (Role.OFFICER, Role.SUPERVISOR):
            user.service_points.add(point)
        found[role] = matrix.token_for(user)
    return found


def test_every_operation_has_a_declared_policy() -> None:
    published = {operation.operation_id for operation in OPERATIONS}
    undeclared = sorted(published - POLICY.keys())
    stale = sorted(POLICY.keys() - published)
    assert undeclared == [], f"declare who may call these operations in POLICY: {undeclared}"
    assert stale == [], f"these operations are no longer published; remove them from POLICY: {stale}"


def test_policy_agrees_with_published_security() -> None:
    # An operation that needs a signed-in caller must say so in the schema, and the reverse.
    wrong = [
        operation.key
        for operation in OPERATIONS
        if operation.operation_id in POLICY
        and POLICY[operation.operation_id] not in (PUBLIC, SIGNED, CREDENTIALS)
        and not operation.needs_auth
    ]
    assert wrong == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.key)
def test_role_matrix(operation: matrix.Operation, client: Any, tokens: dict[str | None, str | None]) -> None:
    policy = POLICY.get(operation.operation_id)
    if policy is None:
        pytest.fail(f"{operation.key} ({operation.operation_id}) has no declared policy")
    request = matrix.example_request(operation)
    if operation.operation_id in OVERRIDES:
        request.json = {**request.json, **OVERRIDES[operation.operation_id]}
    wrong = []
    for role, token in tokens.items():
        cache.clear()  # throttles and rate limits are tested elsewhere; each call starts afresh
        response = matrix.send(client, request, token)
        status = response.status_code
        if policy == CREDENTIALS:
            ok = status == 401 and response.json()["code"] == "invalid_credentials"
        else:
            ok = status not in NOT_ALLOWED_THROUGH if allowed(policy, role) else status in REFUSED
        if status >= 500 or not ok:
            wrong.append(f"{role or 'anonymous'} got {status}: {response.content[:160]!r}")
    assert wrong == [], f"{operation.key} with policy {policy}: " + "; ".join(wrong)
