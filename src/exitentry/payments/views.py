"""Payment pages: the order (what you pay for, then where to pay), the result, and the sandbox
cashier that stands in for WeChat Pay, Alipay and UnionPay in demos and tests.

Everything works without JavaScript: "Continue to payment" is a POST that asks the gateway where
to pay and comes back to the order page with a QR code and a link; in the sandbox, "Pay now"
makes the sandbox send its signed callback to the real callback endpoint over HTTP.
"""

from __future__ import annotations

import logging
import urllib.error
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from exitentry.core import clock
from exitentry.core.errors import DomainError
from exitentry.payments import services
from exitentry.payments.api import public_base_url
from exitentry.payments.forms import CounterPaymentForm
from exitentry.payments.gateways.base import UnknownGateway, get_gateway
from exitentry.payments.gateways.sandbox import SandboxGateway
from exitentry.payments.models import ONLINE_CHANNELS, Channel, Order, OrderStatus, PaymentOutcome

logger = logging.getLogger(__name__)


def qr_svg(content: str, label: str) -> SafeString:
    """`content` as an inline SVG QR code with an accessible name."""
    svg = segno.make(content, error="m").svg_inline(scale=4, svgclass="qr", lineclass=None)
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))  # noqa: S308


def _order(request: HttpRequest, number: str) -> Order:
    try:
        return services.order_for(request.user, number)
    except services.OrderNotFound as exc:
        raise Http404(str(exc)) from exc


def _is_sandbox(channel: str) -> bool:
    try:
        return isinstance(get_gateway(channel), SandboxGateway)
    except UnknownGateway:
        return False


def _order_context(request: HttpRequest, order: Order, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "order": order,
        "lines": list(order.lines.order_by("position")),
        "channel_name": order.get_channel_display(),
        "is_staff": services.is_staff(request.user),
        "can_pay": order.is_payable and order.expires_at > clock.now(),
        "lapsed": order.status == OrderStatus.EXPIRED
        or (order.is_payable and order.expires_at <= clock.now()),
        "qr": None,
    }
    if context["can_pay"]:
        if order.channel == Channel.COUNTER:
            context["qr"] = qr_svg(
                order.number, _("QR code of payment order %(number)s") % {"number": order.number}
            )
        elif order.status == OrderStatus.PENDING and order.payment_url:
            context["qr"] = qr_svg(
                order.qr_payload or order.payment_url,
                _("QR code to pay order %(number)s with %(channel)s")
                % {"number": order.number, "channel": order.get_channel_display()},
            )
            context["sandbox"] = _is_sandbox(order.channel)
        context["online_channels"] = [(channel.value, channel.label) for channel in ONLINE_CHANNELS]
        if context["is_staff"] and "counter_form" not in extra:
            context["counter_form"] = CounterPaymentForm(initial={"amount": order.amount})
    context.update(extra)
    return context


@login_required
def order_page(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    return render(request, "payments/order.html", _order_context(request, order))


@login_required
@require_POST
def pay(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    channel = request.POST.get("channel") or order.channel
    if channel not in ONLINE_CHANNELS and channel != order.channel:
        channel = order.channel
    try:
        services.start_payment(
            order, actor=request.user, base_url=public_base_url(request), channel=channel, request=request
        )
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("payments:result", number=order.number)
    return HttpResponseRedirect(reverse("payments:order", args=[order.number]) + "#pay")


@login_required
def result(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    return render(
        request,
        "payments/result.html",
        {
            "order": order,
            "channel_name": order.get_channel_display(),
            "applied": order.payments.filter(outcome=PaymentOutcome.APPLIED).first(),
            "refunds": list(order.refunds.select_related("line").order_by("pk")),
            "can_pay": order.is_payable and order.expires_at > clock.now(),
            "lapsed": order.status == OrderStatus.EXPIRED
            or (order.is_payable and order.expires_at <= clock.now()),
        },
    )


@login_required
@require_POST
def counter_payment(request: HttpRequest, number: str) -> HttpResponse:
    order = _order(request, number)
    if not services.is_staff(request.user):
        raise Http404
    form = CounterPaymentForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.record_counter_payment(
                order,
                officer=request.user,  # type: ignore[arg-type]
                amount=form.cleaned_data["amount"],
                method=form.cleaned_data["method"],
                receipt_number=form.cleaned_data["receipt_number"],
                request=request,
            )
        except DomainError as error:
            field = {"amount_mismatch": "amount", "receipt_number_reused": "receipt_number"}.get(error.code)
            form.add_error(field, str(error.message))
            status = error.status
        else:
            messages.success(request, _("The payment is recorded."))
            return redirect("payments:result", number=order.number)
    return render(
        request, "payments/order.html", _order_context(request, order, counter_form=form), status=status
    )


@require_http_methods(["GET", "POST"])
def sandbox_cashier(request: HttpRequest, gateway: str) -> HttpResponse:
    """The sandbox's own payment page, standing in for the gateway's (no account needed: the
    signed token says what is paid and where the callback goes)."""
    try:
        sandbox = get_gateway(gateway)
    except UnknownGateway as exc:
        raise Http404 from exc
    if not isinstance(sandbox, SandboxGateway):
        raise Http404
    try:
        ticket = sandbox.read_ticket(request.POST.get("t") or request.GET.get("t", ""))
    except (signing.BadSignature, KeyError, ValueError) as exc:
        raise Http404 from exc
    context: dict[str, Any] = {
        "ticket": ticket,
        "token": request.POST.get("t") or request.GET.get("t", ""),
        "gateway_name": Channel(gateway).label,
    }
    if request.method == "POST":
        succeeded = request.POST.get("action") != "decline"
        try:
            delivery = sandbox.pay(ticket, succeeded=succeeded)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            logger.warning("sandbox callback to %s could not be delivered: %s", ticket.notify_url, exc)
            context["error"] = _("The sandbox could not reach the shop's callback address. Please try again.")
            return render(request, "payments/sandbox_cashier.html", context, status=502)
        if delivery.status != 200:
            logger.warning("sandbox callback answered %s: %s", delivery.status, delivery.body[:500])
            context["error"] = _("The shop did not accept the payment (answer %(status)s).") % {
                "status": delivery.status
            }
            return render(request, "payments/sandbox_cashier.html", context, status=502)
        return HttpResponseRedirect(ticket.return_url)
    return render(request, "payments/sandbox_cashier.html", context)
