"""Where each role does its work: the list on "Your account", so nobody has to know the addresses.

The pages check their own permissions; this list only shows people the ones their role opens
(tests/security/test_page_matrix.py holds the permissions themselves).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from exitentry.accounts.models import Role, User

# The titles have a context of their own ("work list") so that they never take over the words
# other apps use for the same English text (Django looks msgids up in app order).

O, S, M, HL, W, P, H, E, A = (  # noqa: E741
    Role.OFFICER,
    Role.SUPERVISOR,
    Role.MANAGER,
    Role.HOTLINE_AGENT,
    Role.WORK_PERMIT_OFFICER,
    Role.POLICE,
    Role.HOTEL_OPERATOR,
    Role.ENTERPRISE,
    Role.APPLICANT,
)


@dataclass(frozen=True)
class Workplace:
    url_name: str
    title: Promise
    description: Promise
    roles: tuple[str, ...]


WORKPLACES: tuple[Workplace, ...] = (
    Workplace(
        "applications:queue",
        pgettext_lazy("work list", "Applications to review"),
        pgettext_lazy("work list", "The work queue of your service points, soonest promised date first."),
        (O, S, M),
    ),
    Workplace(
        "applications:sla",
        pgettext_lazy("work list", "Promised dates at risk"),
        pgettext_lazy("work list", "Items near or past their promised date."),
        (S, M),
    ),
    Workplace(
        "queueing:counter",
        pgettext_lazy("work list", "Counter"),
        pgettext_lazy("work list", "Open your counter and call the next ticket."),
        (O, S),
    ),
    Workplace(
        "foreigners:decisions",
        pgettext_lazy("work list", "Foreigners' applications"),
        pgettext_lazy("work list", "Decide your half of visa, residence and joint work-permit applications."),
        (O, S, W),
    ),
    Workplace(
        "foreigners:port_visas",
        pgettext_lazy("work list", "Port visas"),
        pgettext_lazy("work list", "Record on-arrival visa applications at a port."),
        (O, S),
    ),
    Workplace(
        "consult:manage_home_visits",
        pgettext_lazy("work list", "Home visits"),
        pgettext_lazy("work list", "Requests for an officer's visit and the mobile teams' routes."),
        (O, S),
    ),
    Workplace(
        "consult:escalations",
        pgettext_lazy("work list", "Escalated calls"),
        pgettext_lazy("work list", "Hotline tickets sent to your hall."),
        (S,),
    ),
    Workplace(
        "consult:hotline",
        pgettext_lazy("work list", "Hotline 12367"),
        pgettext_lazy("work list", "Take a call: look up the caller, answer, book, log."),
        (HL,),
    ),
    Workplace(
        "kiosk:devices",
        pgettext_lazy("work list", "Self-service kiosks"),
        pgettext_lazy("work list", "Your halls' kiosks: online, paper, last heartbeat."),
        (O, S, M),
    ),
    Workplace(
        "insight:dashboard",
        pgettext_lazy("work list", "Dashboards"),
        pgettext_lazy("work list", "Issuance, waits, promised dates and payments, with exports."),
        (S, M),
    ),
    Workplace(
        "insight:capacity",
        pgettext_lazy("work list", "Capacity planning"),
        pgettext_lazy("work list", "Run the simulator on a chosen week of a hall."),
        (S, M),
    ),
    Workplace(
        "routing:simulator",
        pgettext_lazy("work list", "Queue simulator"),
        pgettext_lazy("work list", "Compare nearest-hall and recommended-hall policies on a scenario."),
        (S, M),
    ),
    Workplace(
        "consult:missing",
        pgettext_lazy("work list", "Missing translations"),
        pgettext_lazy("work list", "Help-centre answers not yet in all five languages."),
        (S, M),
    ),
    Workplace(
        "notifications:outbox",
        pgettext_lazy("work list", "Message outbox"),
        pgettext_lazy("work list", "Texts and e-mails the platform has sent (sandbox)."),
        (O, S, M, HL),
    ),
    Workplace(
        "accommodation:police",
        pgettext_lazy("work list", "Foreign guests by area"),
        pgettext_lazy("work list", "Current accommodation registrations in your districts."),
        (P,),
    ),
    Workplace(
        "accommodation:hotel",
        pgettext_lazy("work list", "Guest registrations"),
        pgettext_lazy("work list", "Register foreign guests, upload a day's guests, record checkouts."),
        (H,),
    ),
    Workplace(
        "applications:enterprise",
        pgettext_lazy("work list", "Green channel"),
        pgettext_lazy("work list", "File applications for your employees in bulk from a spreadsheet."),
        (E,),
    ),
    Workplace(
        "foreigners:mine",
        pgettext_lazy("work list", "Foreign staff's applications"),
        pgettext_lazy("work list", "File and follow work-permit, residence and visa applications."),
        (E,),
    ),
    Workplace(
        "applications:mine",
        pgettext_lazy("work list", "Your applications"),
        pgettext_lazy("work list", "Status, payments, documents to add."),
        (A,),
    ),
    Workplace(
        "appointments:mine",
        pgettext_lazy("work list", "Your appointments"),
        pgettext_lazy("work list", "Book, change or cancel a visit to a hall."),
        (A,),
    ),
    Workplace(
        "notifications:inbox",
        pgettext_lazy("work list", "Your messages"),
        pgettext_lazy("work list", "Everything we have told you."),
        (A, E, H),
    ),
    Workplace(
        "records:my_record",
        pgettext_lazy("work list", "Your travel record"),
        pgettext_lazy("work list", "Your border crossings, and a certificate to print."),
        (A,),
    ),
    Workplace(
        "admin:index",
        pgettext_lazy("work list", "Back office"),
        pgettext_lazy("work list", "Reference data, policies, accounts."),
        (),
    ),
)


@dataclass(frozen=True)
class WorkLink:
    url: str
    title: str
    description: str


def workplaces_for(user: User) -> list[WorkLink]:
    """The pages `user`'s role opens, in the order above; an administrator gets all of them."""
    return [
        WorkLink(reverse(place.url_name), str(place.title), str(place.description))
        for place in WORKPLACES
        if user.is_superuser or user.role in place.roles
    ]
