"""Self-service devices in the halls, their policy, and endorsements issued at them in one visit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class KioskPolicy(models.Model):
    """How kiosks behave, in force from a date (the newest row not after today applies)."""

    effective_from = models.DateField(_("effective from"), unique=True)
    default_idle_timeout_seconds = models.PositiveIntegerField(
        _("default idle timeout (seconds)"),
        default=90,
        help_text=_("For newly registered devices; each device keeps its own value."),
    )
    offline_after_minutes = models.PositiveIntegerField(
        _("offline after (minutes without heartbeat)"), default=5
    )
    payment_wait_seconds = models.PositiveIntegerField(
        _("payment wait (seconds)"),
        default=180,
        help_text=_("How long a kiosk waits for a payment before the visit times out."),
    )
    stuck_after_minutes = models.PositiveIntegerField(
        _("stuck after (minutes)"),
        default=15,
        help_text=_("A paid endorsement not printed after this long is refunded by the background task."),
    )

    class Meta:
        verbose_name = _("kiosk policy")
        verbose_name_plural = _("kiosk policies")
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_idle_timeout_seconds__gte=15)
                & models.Q(offline_after_minutes__gte=1)
                & models.Q(payment_wait_seconds__gte=30)
                & models.Q(stuck_after_minutes__gte=1),
                name="kiosk_policy_sensible_values",
            )
        ]

    def __str__(self) -> str:
        return str(_("Kiosk policy from %(date)s") % {"date": self.effective_from.isoformat()})


class EndorsementBasis(models.TextChoices):
    REPEAT = "repeat", _("The same endorsement was held before")
    ENTERPRISE_FILING = "enterprise_filing", _("The employer's enterprise filing is verified")


class InstantEndorsementRule(models.Model):
    """Which endorsement may be issued instantly at a kiosk, and on what basis (policy as data)."""

    endorsement_type = models.CharField(_("endorsement type"), max_length=1)
    basis = models.CharField(_("basis"), max_length=20, choices=EndorsementBasis.choices)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    class Meta:
        verbose_name = _("instant endorsement rule")
        verbose_name_plural = _("instant endorsement rules")
        ordering = ["endorsement_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["endorsement_type", "effective_from"], name="kiosk_rule_one_per_type_and_date"
            ),
            models.CheckConstraint(
                condition=models.Q(basis__in=EndorsementBasis.values), name="kiosk_rule_basis_known"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="kiosk_rule_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.endorsement_type} ({self.get_basis_display()})"


class DeviceStatus(models.TextChoices):
    OK = "ok", _("Working")
    OUT_OF_PAPER = "out_of_paper", _("Out of paper")
    PRINTER_JAM = "printer_jam", _("Printer jammed")
    OFFLINE = "offline", _("Offline")


# What a device may report about itself in a heartbeat; `offline` is only ever set by the server.
REPORTABLE_STATUSES = (DeviceStatus.OK, DeviceStatus.OUT_OF_PAPER, DeviceStatus.PRINTER_JAM)


class KioskDevice(models.Model):
    """A self-service device at a service point; it proves who it is with a token issued by staff."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("service point"),
        on_delete=models.PROTECT,
        related_name="kiosk_devices",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    token_hint = models.CharField(_("token ends with"), max_length=4)
    idle_timeout_seconds = models.PositiveIntegerField(_("idle timeout (seconds)"))
    status = models.CharField(
        _("status"), max_length=20, choices=DeviceStatus.choices, default=DeviceStatus.OK, db_index=True
    )
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    registered_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("kiosk device")
        verbose_name_plural = _("kiosk devices")
        ordering = ["service_point_id", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DeviceStatus.values), name="kiosk_device_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(idle_timeout_seconds__gte=15) & models.Q(idle_timeout_seconds__lte=3600),
                name="kiosk_device_idle_timeout_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class EndorsementStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Waiting for payment")
    PAID = "paid", _("Paid, not yet printed")
    PRINTING = "printing", _("Printing")
    ISSUED = "issued", _("Issued")
    PAYMENT_TIMED_OUT = "payment_timed_out", _("Payment timed out")
    REFUND_DUE = "refund_due", _("Refund due")
    REFUNDED = "refunded", _("Refunded")


# The one table of allowed moves; anything else is 409 invalid_transition.
ENDORSEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    EndorsementStatus.AWAITING_PAYMENT: frozenset(
        {EndorsementStatus.PAID, EndorsementStatus.PAYMENT_TIMED_OUT}
    ),
    EndorsementStatus.PAID: frozenset({EndorsementStatus.PRINTING, EndorsementStatus.REFUND_DUE}),
    EndorsementStatus.PRINTING: frozenset({EndorsementStatus.ISSUED, EndorsementStatus.REFUND_DUE}),
    # A payment that arrives after the kiosk gave up is returned.
    EndorsementStatus.PAYMENT_TIMED_OUT: frozenset({EndorsementStatus.REFUND_DUE}),
    EndorsementStatus.REFUND_DUE: frozenset({EndorsementStatus.REFUNDED}),
    EndorsementStatus.ISSUED: frozenset(),
    EndorsementStatus.REFUNDED: frozenset(),
}


class FailureCode(models.TextChoices):
    PRINTER_JAM = "printer_jam", _("Printer jammed")
    OUT_OF_PAPER = "out_of_paper", _("Out of paper")
    PAYMENT_TIMEOUT = "payment_timeout", _("No payment in time")
    LATE_PAYMENT = "late_payment", _("Paid after the kiosk stopped waiting")
    NOT_PRINTED = "not_printed", _("Paid but never printed")


# Where the person's money is neither spent on an issued endorsement nor back with them.
MONEY_AT_RISK = (EndorsementStatus.PAID, EndorsementStatus.PRINTING, EndorsementStatus.REFUND_DUE)


class InstantEndorsement(models.Model):
    """One endorsement issued (or refunded) at a kiosk in a single visit."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    device = models.ForeignKey(
        KioskDevice, verbose_name=_("device"), on_delete=models.PROTECT, related_name="endorsements"
    )
    person = models.ForeignKey("identity.Person", verbose_name=_("person"), on_delete=models.PROTECT)
    permit = models.ForeignKey(
        "identity.HeldDocument", verbose_name=_("permit"), on_delete=models.PROTECT, related_name="+"
    )
    service_code = models.CharField(_("service"), max_length=60)
    endorsement_type = models.CharField(_("endorsement type"), max_length=1)
    entries = models.CharField(_("entries"), max_length=20)
    basis = models.CharField(_("basis"), max_length=20, choices=EndorsementBasis.choices)
    basis_reference = models.CharField(_("basis reference"), max_length=100, blank=True)
    fee = models.DecimalField(_("fee (CNY)"), max_digits=8, decimal_places=2)
    face_check_reference = models.CharField(_("face check reference"), max_length=100)
    order_number = models.CharField(_("payment order"), max_length=40, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EndorsementStatus.choices,
        default=EndorsementStatus.AWAITING_PAYMENT,
        db_index=True,
    )
    failure_code = models.CharField(
        _("what went wrong"), max_length=40, choices=FailureCode.choices, blank=True
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    created_at = models.DateTimeField(_("created at"))
    payment_due_at = models.DateTimeField(_("payment due by"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("instant endorsement")
        verbose_name_plural = _("instant endorsements")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=EndorsementStatus.values), name="kiosk_endorsement_status_known"
            ),
            models.CheckConstraint(condition=models.Q(fee__gt=0), name="kiosk_endorsement_fee_positive"),
            # Issued means printed and recorded: it carries its time; refunded likewise.
            models.CheckConstraint(
                condition=~models.Q(status=EndorsementStatus.ISSUED) | models.Q(issued_at__isnull=False),
                name="kiosk_endorsement_issued_has_time",
            ),
            # One visit at a time per permit: no second endorsement while one is unfinished.
            models.UniqueConstraint(
                fields=["permit"],
                condition=models.Q(
                    status__in=[
                        EndorsementStatus.AWAITING_PAYMENT,
                        EndorsementStatus.PAID,
                        EndorsementStatus.PRINTING,
                    ]
                ),
                name="kiosk_endorsement_one_open_per_permit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.endorsement_type} ({self.status})"
