"""Payment orders, the payments that settle them and the refunds that return money.

An `Order` is what one payer owes for one subject (e.g. an application): one or more lines whose
amounts the caller computed from the catalog. Money arrives as `Payment`s (one per gateway
transaction, unique on the gateway's transaction id, so a replayed callback is never applied
twice) and leaves as `Refund`s. The database keeps the sums honest with CHECK constraints.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

CURRENCY = "CNY"
ZERO = Decimal("0.00")


class Channel(models.TextChoices):
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    UNIONPAY = "unionpay", _("UnionPay")
    COUNTER = "counter", _("At a service hall counter")


ONLINE_CHANNELS = (Channel.WECHAT_PAY, Channel.ALIPAY, Channel.UNIONPAY)


class OrderStatus(models.TextChoices):
    CREATED = "created", _("Waiting for payment")
    PENDING = "pending", _("Payment started")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired unpaid")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
    FAILED = "failed", _("Payment failed")


# An order can still be paid in these states (a failed attempt may be tried again).
PAYABLE_STATUSES = (OrderStatus.CREATED, OrderStatus.PENDING, OrderStatus.FAILED)
# Money was received and not (fully) returned, or was returned: refunds start from these.
REFUNDABLE_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
SETTLED_STATUSES = (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)

# The only moves an order can make; anything else is 409 invalid_transition.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.CREATED: frozenset(
        {OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.EXPIRED, OrderStatus.FAILED}
    ),
    OrderStatus.PENDING: frozenset({OrderStatus.PAID, OrderStatus.EXPIRED, OrderStatus.FAILED}),
    OrderStatus.FAILED: frozenset({OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.EXPIRED}),
    OrderStatus.PAID: frozenset({OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED}),
    OrderStatus.PARTIALLY_REFUNDED: frozenset({OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED}),
    OrderStatus.EXPIRED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}


class Order(models.Model):
    number = models.CharField(_("order number"), max_length=32, unique=True)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payer account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_orders",
    )
    payer_person = models.ForeignKey(
        "identity.Person",
        verbose_name=_("payer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_orders",
    )
    subject_type = models.CharField(
        _("subject type"), max_length=60, help_text=_("What is paid for, e.g. application.")
    )
    subject_id = models.CharField(_("subject id"), max_length=64)
    channel = models.CharField(pgettext_lazy("payment", "channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.CREATED
    )
    amount = models.DecimalField(pgettext_lazy("money", "amount"), max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(_("refunded amount"), max_digits=12, decimal_places=2, default=ZERO)
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    payment_url = models.CharField(
        _("payment address"),
        max_length=2000,
        blank=True,
        help_text=_("Where the payer completes the payment, as given by the payment service."),
    )
    qr_payload = models.CharField(_("QR code content"), max_length=2000, blank=True)
    expires_at = models.DateTimeField(_("pay by"), db_index=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="payments_order_subject"),
            models.Index(fields=["status", "expires_at"], name="payments_order_status_expiry"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_order_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="payments_order_refund_within_amount",
            ),
            models.CheckConstraint(condition=Q(currency=CURRENCY), name="payments_order_currency_cny"),
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="payments_order_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="payments_order_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(payer__isnull=False) | Q(payer_person__isnull=False),
                name="payments_order_has_payer",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=SETTLED_STATUSES) | Q(paid_at__isnull=False),
                name="payments_order_paid_at_when_settled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.amount} {self.currency} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("payments:order", args=[self.number])

    @property
    def is_payable(self) -> bool:
        return self.status in PAYABLE_STATUSES

    @property
    def is_online(self) -> bool:
        return self.channel in ONLINE_CHANNELS


class OrderLine(models.Model):
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=200)
    reference = models.CharField(
        _("reference"), max_length=64, blank=True, help_text=_("The caller's reference, e.g. an item number.")
    )
    amount = models.DecimalField(pgettext_lazy("money", "amount"), max_digits=12, decimal_places=2)
    refunded_amount = models.DecimalField(_("refunded amount"), max_digits=12, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="payments_orderline_unique_position"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payments_orderline_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="payments_orderline_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"

    @property
    def refundable_amount(self) -> Decimal:
        return self.amount - self.refunded_amount


class PaymentOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied to the order")
    REFUNDED = "refunded", _("Returned: the order could no longer be paid")
    FAILED = "failed", _("Payment failed")


class CounterMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Bank card")


class Payment(models.Model):
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="payments"
    )
    gateway = models.CharField(_("payment service"), max_length=20, choices=Channel.choices)
    gateway_transaction_id = models.CharField(_("transaction id"), max_length=64, unique=True)
    amount = models.DecimalField(pgettext_lazy("money", "amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=CURRENCY)
    outcome = models.CharField(_("outcome"), max_length=12, choices=PaymentOutcome.choices)
    method = models.CharField(_("method"), max_length=10, choices=CounterMethod.choices, blank=True)
    raw_callback = models.JSONField(_("callback as received"), default=dict, blank=True)
    verified_at = models.DateTimeField(_("verified at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-verified_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(outcome__in=PaymentOutcome.values), name="payments_payment_outcome_valid"
            ),
            # One applied payment settles an order; a second one is returned, never applied.
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(outcome="applied"),
                name="payments_payment_one_applied_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_gateway_display()} {self.gateway_transaction_id} {self.amount}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Requested")
    SUBMITTING = "submitting", _("Being sent to the payment service")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Refund failed")


class Refund(models.Model):
    number = models.CharField(_("refund number"), max_length=32, unique=True)
    order = models.ForeignKey(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="refunds"
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    line = models.ForeignKey(
        OrderLine,
        verbose_name=_("order line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        help_text=_("Empty when a whole payment is returned because the order could not take it."),
    )
    amount = models.DecimalField(pgettext_lazy("money", "amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(
        _("status"), max_length=12, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    gateway_refund_id = models.CharField(_("refund id at the payment service"), max_length=64, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=RefundStatus.values), name="payments_refund_status_valid"
            ),
            models.UniqueConstraint(
                fields=["gateway_refund_id"],
                condition=~Q(gateway_refund_id=""),
                name="payments_refund_unique_gateway_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.amount} ({self.status})"
