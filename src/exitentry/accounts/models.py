from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


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


class User(AbstractUser):
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.APPLICANT, db_index=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
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
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} until {self.expires_at:%Y-%m-%d %H:%M}"
