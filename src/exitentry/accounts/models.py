from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from exitentry.core.fields import DigestedModel, DigestField, EncryptedCharField


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    OFFICER = "officer", _("Officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    MANAGER = "manager", _("Manager")
    HOTEL_OPERATOR = "hotel_operator", _("Hotel operator")
    HOTLINE_AGENT = "hotline_agent", _("Hotline agent")
    ENTERPRISE = "enterprise", _("Enterprise or employer")
    WORK_PERMIT_OFFICER = "work_permit_officer", _("Work-permit officer")
    POLICE = "police", _("Police officer")
    ADMIN = "admin", _("Administrator")


# Roles whose work is tied to particular service points; their data access is scoped to them.
SCOPED_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR})
STAFF_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.MANAGER, Role.HOTLINE_AGENT, Role.ADMIN})


class User(DigestedModel, AbstractUser):
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.APPLICANT, db_index=True
    )
    phone = EncryptedCharField(
        _("phone"), max_length=20, blank=True, kind="phone", digest_field="phone_digest"
    )
    phone_digest = DigestField(source="phone", db_index=True)
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)
    person = models.OneToOneField(
        "identity.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account",
    )
    service_points = models.ManyToManyField(
        "servicepoints.ServicePoint",
        verbose_name=_("service points"),
        blank=True,
        related_name="staff",
        help_text=_("Officers and supervisors see and act on the work of these service points only."),
    )
    organisation = models.CharField(
        _("organisation"),
        max_length=200,
        blank=True,
        help_text=_("Hotel or enterprise the account acts for."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_scoped(self) -> bool:
        return self.role in SCOPED_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.is_active and (self.role in roles or self.is_superuser)


class ApiToken(models.Model):
    """A Bearer token for the API. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(_("key hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            # A constraint rather than unique=True: on PostgreSQL a unique CharField also gets a
            # second, LIKE-pattern index, which a hash looked up only by equality never uses.
            models.UniqueConstraint(fields=["key_hash"], name="accounts_apitoken_key_hash_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} until {self.expires_at:%Y-%m-%d %H:%M}"


class TotpDevice(models.Model):
    """A second factor: an authenticator app's TOTP secret, confirmed once the user typed a code.

    `last_step` is the last 30-second step accepted, so a code cannot be used twice.
    """

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="totp_device"
    )
    # Encrypted at rest like ID and phone numbers (docs/security.md): whoever reads the table
    # must not be able to make codes. Never looked up, so no digest.
    secret = EncryptedCharField(_("secret"), max_length=64, kind="totp_secret")
    created_at = models.DateTimeField(_("created at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    last_step = models.BigIntegerField(_("last step used"), default=0)

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A single-use code for when the authenticator is lost. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.user} ({'used' if self.used_at else 'unused'})"
