"""Applications: one form by one applicant, with one item per document or endorsement asked for.

Each item has its own state, fee and promised date. The states an item may move between are the
one table `TRANSITIONS` below; `lifecycle.apply_transition` is the only code that changes an
item's status, with a conditional UPDATE, an `ItemEvent` row and an audit event in one transaction.

The database keeps the promises a buggy caller could break: one active application per person
for the same document (or endorsement), one answer per Idempotency-Key, one SLA flag per item and
level, unique application numbers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exitentry.catalog.models import Channel, Entries, Reason, VerificationSource
from exitentry.core.fields import DigestedModel, DigestField, EncryptedCharField


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    AWAITING_PAYMENT = "awaiting_payment", _("Waiting for payment")
    PAID = "paid", _("Paid")
    UNDER_REVIEW = "under_review", _("Being checked")
    NEEDS_MORE_MATERIALS = "needs_more_materials", _("More documents needed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Refused")
    IN_PRODUCTION = "in_production", _("Being made")
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready to collect")
    DISPATCHED = "dispatched", _("Sent by courier")
    DELIVERED = "delivered", _("Delivered")
    COLLECTED = "collected", _("Collected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Closed: not paid in time")


S = ItemStatus

# The one table of allowed moves. Anything not listed is 409 invalid_transition.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.AWAITING_PAYMENT, S.WITHDRAWN}),
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.WITHDRAWN, S.EXPIRED}),
    S.PAID: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.NEEDS_MORE_MATERIALS, S.APPROVED, S.REJECTED, S.WITHDRAWN}),
    S.NEEDS_MORE_MATERIALS: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.IN_PRODUCTION}),
    S.REJECTED: frozenset(),
    S.IN_PRODUCTION: frozenset({S.READY_FOR_PICKUP, S.DISPATCHED}),
    S.READY_FOR_PICKUP: frozenset({S.COLLECTED}),
    S.DISPATCHED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.COLLECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.EXPIRED: frozenset(),
}

FINAL_STATUSES = frozenset(status for status, targets in TRANSITIONS.items() if not targets)
# An item in one of these blocks a second application for the same document by the same person.
ACTIVE_STATUSES = tuple(status.value for status in ItemStatus if status not in FINAL_STATUSES | {S.DRAFT})
# The office's clock runs while the item is paid for and not yet made.
SLA_STATUSES = (S.PAID, S.UNDER_REVIEW, S.NEEDS_MORE_MATERIALS, S.APPROVED, S.IN_PRODUCTION)
# Where an item is in its life, for ordering and for the status of a whole application.
LIFECYCLE_ORDER: tuple[str, ...] = (
    S.DRAFT,
    S.SUBMITTED,
    S.AWAITING_PAYMENT,
    S.PAID,
    S.UNDER_REVIEW,
    S.NEEDS_MORE_MATERIALS,
    S.APPROVED,
    S.IN_PRODUCTION,
    S.READY_FOR_PICKUP,
    S.DISPATCHED,
    S.DELIVERED,
    S.COLLECTED,
    S.REJECTED,
    S.WITHDRAWN,
    S.EXPIRED,
)


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    EXPEDITED = "expedited", _("Expedited")
    EMERGENCY = "emergency", _("Emergency")
    GREEN_CHANNEL = "green_channel", _("Enterprise green channel")


# Work queues show the most urgent first.
PRIORITY_RANK = {Priority.EMERGENCY: 0, Priority.GREEN_CHANNEL: 1, Priority.EXPEDITED: 2, Priority.NORMAL: 3}


class EmergencyReason(models.TextChoices):
    WEDDING_OR_FUNERAL = "wedding_or_funeral_abroad", _("A wedding or funeral abroad")
    CRITICALLY_ILL_RELATIVE = "critically_ill_relative", _("Visiting a critically ill relative abroad")
    STUDY_START = "study_start", _("The start of studies abroad is close")
    OTHER = "other", _("Another urgent matter")


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("Collect it at a service hall")
    MAIL = "mail", _("Send it by courier")


class MaterialStatus(models.TextChoices):
    CHECKING = "checking", _("We are checking this with the source")
    VERIFIED_BY_SOURCE = "verified_by_source", _("Checked with the source: nothing to send")
    MADE_FOR_YOU = "made_for_you", _("Made for you: nothing to send")
    DECLARED = "declared", _("Given in your form")
    TO_UPLOAD = "to_upload", _("Please upload this")
    UPLOADED = "uploaded", _("Uploaded")
    PRESENTED = "presented", _("Seen at the counter")
    REQUESTED = "requested", _("Asked for again: please upload")


class SourceOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed by the register")
    NOT_FOUND = "not_found", _("The register could not confirm it")
    UNAVAILABLE = "unavailable", _("The register did not answer in time")


# Materials still outstanding before the application is complete (accepted), and after it.
MATERIALS_OUTSTANDING = (MaterialStatus.CHECKING, MaterialStatus.TO_UPLOAD)
MATERIALS_TO_SEND = (MaterialStatus.TO_UPLOAD, MaterialStatus.REQUESTED)


class Application(DigestedModel):
    number = models.CharField(_("application number"), max_length=20, unique=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The account that sent the form: the applicant, or an officer at a counter."),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant's account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    person = models.ForeignKey(
        "identity.Person", verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="applications"
    )
    # The applicant's details as given on the form (copied from the person's record).
    full_name = models.CharField(_("full name"), max_length=100)
    id_number = EncryptedCharField(
        _("resident ID number"), max_length=18, kind="id_number", digest_field="id_number_digest"
    )
    id_number_digest = DigestField(source="id_number", db_index=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1)
    phone = EncryptedCharField(_("contact phone"), max_length=20, kind="phone")
    household_city_code = models.CharField(_("household registration city"), max_length=6, blank=True)
    in_province = models.BooleanField(_("household registered in this province"))

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    priority = models.CharField(
        _("priority"), max_length=20, choices=Priority.choices, default=Priority.NORMAL
    )
    emergency_reason = models.CharField(
        _("emergency reason"), max_length=40, choices=EmergencyReason.choices, blank=True
    )
    emergency_details = models.CharField(_("about the emergency"), max_length=500, blank=True)
    zero_visit = models.BooleanField(_("zero-visit application"), default=False)
    face_check_reference = models.CharField(_("face check reference"), max_length=100, blank=True)
    bulk_filing = models.ForeignKey(
        "applications.BulkFiling",
        verbose_name=_("enterprise bulk filing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )

    delivery_method = models.CharField(_("delivery"), max_length=10, choices=DeliveryMethod.choices)
    pickup_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("collection point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delivery_address = models.CharField(_("delivery address"), max_length=300, blank=True)
    permit_by_mail = models.BooleanField(
        _("permit sent in by courier"),
        default=False,
        help_text=_(
            "For endorsements on a permit the applicant holds: the applicant sends the permit to the "
            "service hall by courier and it is mailed back with the endorsement."
        ),
    )
    service_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_("The service point whose officers review and hand over this application."),
    )

    lost_on = models.DateField(_("date of loss"), null=True, blank=True)
    lost_where = models.CharField(_("place of loss"), max_length=200, blank=True)
    loss_circumstances = models.TextField(_("how it was lost"), max_length=1000, blank=True)

    total_fee = models.DecimalField(_("total fee (CNY)"), max_digits=9, decimal_places=2)
    payment_order_id = models.CharField(_("payment order"), max_length=40, blank=True)

    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    request_fingerprint = models.CharField(_("request fingerprint"), max_length=64)

    created_at = models.DateTimeField(_("created at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    accepted_at = models.DateTimeField(
        _("accepted at"),
        null=True,
        blank=True,
        help_text=_("When the application became complete; promised dates count from this day."),
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"], name="application_one_per_idempotency_key"
            ),
            models.CheckConstraint(
                condition=(Q(delivery_method=DeliveryMethod.PICKUP) & Q(pickup_point__isnull=False))
                | (Q(delivery_method=DeliveryMethod.MAIL) & ~Q(delivery_address="")),
                name="application_delivery_complete",
            ),
            models.CheckConstraint(
                condition=(Q(priority=Priority.EMERGENCY) & ~Q(emergency_reason=""))
                | (~Q(priority=Priority.EMERGENCY) & Q(emergency_reason="")),
                name="application_emergency_has_reason",
            ),
            models.CheckConstraint(condition=Q(total_fee__gte=0), name="application_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(permit_by_mail=False) | Q(delivery_method=DeliveryMethod.MAIL),
                name="application_permit_by_mail_is_mailed_back",
            ),
        ]
        indexes = [models.Index(fields=["service_point", "accepted_at"], name="application_point_accepted")]

    def __str__(self) -> str:
        return self.number

    @property
    def id_last4(self) -> str:
        return self.id_number[-4:]


class ApplicationItem(models.Model):
    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="items"
    )
    # Copied from the application so the database can refuse a second active item for it.
    person = models.ForeignKey("identity.Person", verbose_name=_("applicant"), on_delete=models.PROTECT)
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="+"
    )
    service_code = models.CharField(_("service code"), max_length=60)
    document_type = models.CharField(_("document type"), max_length=40)
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    endorsement_type = models.CharField(_("endorsement type"), max_length=1, blank=True)
    entries = models.CharField(_("entries"), max_length=20, choices=Entries.choices, blank=True)
    standard_fee = models.DecimalField(_("standard fee (CNY)"), max_digits=8, decimal_places=2)
    fee = models.DecimalField(_("fee (CNY)"), max_digits=8, decimal_places=2)
    waiver_code = models.CharField(_("fee waiver"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=30, choices=ItemStatus.choices, default=ItemStatus.DRAFT, db_index=True
    )
    previous_document = models.ForeignKey(
        "identity.HeldDocument",
        verbose_name=_("document replaced"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    promise_rule = models.CharField(_("promise rule"), max_length=60, blank=True)
    promise_amount = models.PositiveIntegerField(_("promised amount"), null=True, blank=True)
    promise_unit = models.CharField(_("promised unit"), max_length=20, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), max_length=1000, blank=True)
    courier = models.CharField(_("courier"), max_length=60, blank=True)
    tracking_number = models.CharField(_("courier tracking number"), max_length=40, blank=True)
    issued_document = models.ForeignKey(
        "identity.HeldDocument",
        verbose_name=_("document issued"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Registered in the person's record when the document was handed over or delivered."),
    )
    permit_received_at = models.DateTimeField(
        _("permit received at"),
        null=True,
        blank=True,
        help_text=_("When the hall received the permit the applicant sent in for this endorsement."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("application item")
        verbose_name_plural = _("application items")
        ordering = ["application_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "document_type", "endorsement_type"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="applicationitem_one_active_per_person_document",
                violation_error_message=_("There is already an open application for this document."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="applicationitem_status_known"
            ),
            models.CheckConstraint(
                condition=Q(fee__gte=0) & Q(standard_fee__gte=0), name="applicationitem_fee_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["status", "promised_date"], name="applicationitem_status_due")]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.service_code} {self.status}"

    @property
    def is_endorsement(self) -> bool:
        return self.reason == Reason.ENDORSEMENT


class ItemEvent(models.Model):
    """One step in an item's life: the transition and who made it. Never changed afterwards."""

    item = models.ForeignKey(
        ApplicationItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=30, blank=True)
    to_status = models.CharField(_("to"), max_length=30, choices=ItemStatus.choices)
    action = models.CharField(_("action"), max_length=40)
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("item event")
        verbose_name_plural = _("item events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_status or '-'} → {self.to_status} ({self.action})"


class ApplicationMaterial(models.Model):
    """One material of the application's checklist and where it stands."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="materials"
    )
    material = models.ForeignKey(
        "catalog.Material", verbose_name=_("material"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("code"), max_length=60)
    status = models.CharField(_("status"), max_length=30, choices=MaterialStatus.choices)
    source = models.CharField(
        _("checked with register"), max_length=30, choices=VerificationSource.choices, blank=True
    )
    source_outcome = models.CharField(
        _("source answer"), max_length=20, choices=SourceOutcome.choices, blank=True
    )
    source_reference = models.CharField(_("source reference"), max_length=100, blank=True)
    services = models.JSONField(_("needed for"), default=list, help_text=_("Service codes asking for it."))
    note = models.TextField(
        pgettext_lazy("material", "note"),
        max_length=1000,
        blank=True,
        help_text=_("Shown to the applicant: why it is asked for again, or why the source check failed."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked for by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("application material")
        verbose_name_plural = _("application materials")
        ordering = ["application_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "material"], name="applicationmaterial_unique"),
            models.CheckConstraint(
                condition=Q(status__in=MaterialStatus.values), name="applicationmaterial_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.code} {self.status}"


def upload_path(instance: Upload, filename: str) -> str:
    # The name is chosen by the service (a random id and the detected type), never by the sender.
    return f"applications/{instance.uploaded_at:%Y/%m}/{filename}"


class Upload(models.Model):
    """A file sent for a material: staged while the form is being filled in, then attached."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    application_material = models.ForeignKey(
        ApplicationMaterial,
        verbose_name=_("material"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="uploads",
    )
    staged_token = models.CharField(
        _("form token"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Set while the file belongs to a form that has not been sent yet."),
    )
    material_code = models.CharField(_("material code"), max_length=60)
    file = models.FileField(_("file"), upload_to=upload_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    original_name = models.CharField(_("original name"), max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(application_material__isnull=False) | ~Q(staged_token=""),
                name="upload_attached_or_staged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material_code}: {self.original_name}"


class SlaLevel(models.TextChoices):
    WARNING = "warning", _("Four fifths of the promised time used")
    BREACH = "breach", _("Promised date missed")


class SlaFlag(models.Model):
    item = models.ForeignKey(
        ApplicationItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="sla_flags"
    )
    level = models.CharField(_("level"), max_length=10, choices=SlaLevel.choices)
    flagged_at = models.DateTimeField(_("flagged at"))
    promised_date = models.DateField(_("promised date"))
    used_percent = models.PositiveSmallIntegerField(_("time used (%)"))

    class Meta:
        verbose_name = _("SLA flag")
        verbose_name_plural = _("SLA flags")
        ordering = ["-flagged_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "level"], name="slaflag_one_per_item_and_level"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.level} ({self.promised_date})"


class ShipmentStatus(models.TextChoices):
    BOOKED = "booked", _("Courier booked")
    PICKED_UP = "picked_up", _("Picked up by the courier")
    IN_TRANSIT = "in_transit", _("On the way")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")


# Courier events move a shipment forward only: an event arriving late never moves it back.
SHIPMENT_ORDER: tuple[str, ...] = (
    ShipmentStatus.BOOKED,
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED,
)


class ShipmentDirection(models.TextChoices):
    OUTBOUND = "outbound", _("To the applicant")
    INBOUND = "inbound", _("From the applicant to the hall")


class Shipment(models.Model):
    """A parcel carried by courier, one per item and direction.

    Outbound: the document sent to the applicant, booked through the courier adapter on dispatch.
    Inbound: the permit an applicant sends to the hall for an endorsement, with the tracking number
    of the applicant's own courier; it is "delivered" when an officer records its receipt.
    """

    item = models.ForeignKey(
        ApplicationItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="shipments"
    )
    direction = models.CharField(
        _("shipment direction"),
        max_length=10,
        choices=ShipmentDirection.choices,
        default=ShipmentDirection.OUTBOUND,
    )
    courier = models.CharField(_("courier"), max_length=60)
    tracking_number = models.CharField(_("courier tracking number"), max_length=40, unique=True)
    address = models.CharField(_("delivery address"), max_length=300)
    status = models.CharField(
        _("status"), max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.BOOKED
    )
    booked_at = models.DateTimeField(pgettext_lazy("shipment", "booked at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-booked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ShipmentStatus.values), name="shipment_status_known"
            ),
            models.UniqueConstraint(fields=["item", "direction"], name="shipment_one_per_item_and_direction"),
            models.CheckConstraint(
                condition=Q(direction__in=ShipmentDirection.values), name="shipment_direction_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.courier} {self.tracking_number} ({self.status})"


class ShipmentEvent(models.Model):
    """One scan reported by the courier; the same event reported twice is stored once."""

    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.PROTECT, related_name="events"
    )
    code = models.CharField(_("event"), max_length=20, choices=ShipmentStatus.choices)
    at = models.DateTimeField(_("at"))
    location = models.CharField(_("location"), max_length=120, blank=True)
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        verbose_name = _("shipment event")
        verbose_name_plural = _("shipment events")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "code"], name="shipmentevent_one_per_code"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.code} {self.at:%Y-%m-%d %H:%M}"


class DocumentValidityRule(models.Model):
    """How long a newly issued document is valid, by document type and the holder's age at issue.

    Policy as data: edited in the admin, seeded by a data migration; the rule in force on the day of
    issue applies.
    """

    document_type = models.CharField(_("document type"), max_length=40)
    min_age = models.PositiveSmallIntegerField(_("from age"), default=0)
    max_age = models.PositiveSmallIntegerField(
        _("up to age"), null=True, blank=True, help_text=_("Exclusive; empty means no upper limit.")
    )
    validity_years = models.PositiveSmallIntegerField(_("valid for (years)"))
    effective_from = models.DateField(_("in force from"))
    effective_to = models.DateField(_("in force until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("document validity rule")
        verbose_name_plural = _("document validity rules")
        ordering = ["document_type", "min_age", "-effective_from"]
        constraints = [
            models.CheckConstraint(condition=Q(validity_years__gte=1), name="validityrule_years_positive"),
            models.CheckConstraint(
                condition=Q(max_age__isnull=True) | Q(max_age__gt=F("min_age")),
                name="validityrule_age_range",
            ),
        ]

    def __str__(self) -> str:
        upper = self.max_age if self.max_age is not None else "∞"
        return f"{self.document_type} {self.min_age}–{upper}: {self.validity_years}y"


class BulkFiling(models.Model):
    """One spreadsheet of employees filed by an enterprise account through the green channel.

    The same file sent again by the same account is the same filing (unique on its SHA-256).
    """

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("filed by"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.CharField(_("organisation"), max_length=200)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    row_count = models.PositiveIntegerField(_("rows"))
    pickup_point = models.ForeignKey(
        "servicepoints.ServicePoint",
        verbose_name=_("collection point"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("filed at"))

    class Meta:
        verbose_name = _("enterprise bulk filing")
        verbose_name_plural = _("enterprise bulk filings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["submitted_by", "sha256"], name="bulkfiling_one_per_file"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.file_name} ({self.row_count})"
