"""The signed-in user's inbox and the staff page with the sandbox outbox."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exitentry.accounts.models import STAFF_ROLES
from exitentry.notifications import services
from exitentry.notifications.models import NotificationChannel

INBOX_PAGE_SIZE = 20
OUTBOX_PAGE_SIZE = 50


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff only: others are sent to sign in, signed-in non-staff get a 403."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.has_role(*STAFF_ROLES):  # type: ignore[union-attr]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = Paginator(services.inbox_of(user).order_by("-created_at", "-id"), INBOX_PAGE_SIZE).get_page(  # type: ignore[arg-type]
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": services.unread_count(user)},  # type: ignore[arg-type]
    )


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(request.user, request=request)  # type: ignore[arg-type]
    if count:
        messages.success(request, _("All your messages are marked as read."))
    return redirect("notifications:inbox")


@staff_required
def outbox(request: HttpRequest) -> HttpResponse:
    channel = request.GET.get("channel", "")
    if channel not in (NotificationChannel.SMS, NotificationChannel.EMAIL):
        channel = ""
    page = Paginator(services.outbox(channel or None), OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {"message": message, "to": services.mask_address(message.channel, message.to)} for message in page
    ]
    return render(
        request,
        "notifications/outbox.html",
        {
            "page": page,
            "rows": rows,
            "channel": channel,
            "channels": [
                ("", _("All")),
                (NotificationChannel.SMS.value, NotificationChannel.SMS.label),
                (NotificationChannel.EMAIL.value, NotificationChannel.EMAIL.label),
            ],
        },
    )
