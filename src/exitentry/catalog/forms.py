"""The questions of the public checklist page (一次性告知)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from exitentry.catalog import services as catalog_services
from exitentry.catalog.models import Entries
from exitentry.core.errors import DomainError

OTHER_PROVINCE = "other"


@dataclass(frozen=True)
class ServiceChoice:
    code: str
    name: str
    html_id: str
    fee_cny: Any
    entries_fees: list[catalog_services.EntriesOption]
    channel_labels: list[str]


@dataclass(frozen=True)
class ServiceGroup:
    title: str
    choices: list[ServiceChoice]


def service_groups(summaries: list[catalog_services.ServiceSummary]) -> list[ServiceGroup]:
    """Documents grouped by document type, then the endorsements of each permit."""
    groups: dict[tuple[str, bool], ServiceGroup] = {}
    for summary in summaries:
        is_endorsement = summary.endorsement_type is not None
        key = (summary.document_type, is_endorsement)
        if key not in groups:
            title = (
                str(_("Endorsements on the %(document)s") % {"document": summary.document_type_name})
                if is_endorsement
                else summary.document_type_name
            )
            groups[key] = ServiceGroup(title=title, choices=[])
        groups[key].choices.append(
            ServiceChoice(
                code=summary.code,
                name=summary.name,
                html_id="service-" + summary.code.replace(".", "-"),
                fee_cny=summary.fee_cny,
                entries_fees=summary.entries_options,
                channel_labels=summary.channel_labels,
            )
        )
    # Services arrive in catalog order, so each permit's endorsements follow the permit.
    return list(groups.values())


class ChecklistForm(forms.Form):
    services = forms.MultipleChoiceField(
        label=_("What do you want to apply for?"),
        error_messages={
            "required": _("Choose at least one document or endorsement."),
            "invalid_choice": _("Choose from the documents and endorsements listed."),
        },
    )
    entries = forms.ChoiceField(
        label=_("How many entries for endorsements?"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the options listed.")},
    )
    birth_date = forms.DateField(
        label=_("Date of birth of the person who will travel"),
        error_messages={
            "required": _("Enter the date of birth."),
            "invalid": _("Enter the date of birth as year-month-day, for example 1990-03-27."),
        },
    )
    household_city = forms.ChoiceField(
        label=_("Where is the household registered?"),
        error_messages={
            "required": _("Choose where the household is registered."),
            "invalid_choice": _("Choose one of the places listed."),
        },
    )
    expedited = forms.BooleanField(label=_("I need it urgently and can show written proof"), required=False)
    business_trip = forms.BooleanField(label=_("I am travelling on business for my employer"), required=False)

    # Where a domain error is shown: the field it is about, or the top of the form.
    error_fields = {
        "conflicting_services": "services",
        "unknown_service": "services",
        "no_services": "services",
        "too_many_services": "services",
        "invalid_entries": "entries",
        "entries_not_applicable": "entries",
        "invalid_birth_date": "birth_date",
        "birth_date_required": "birth_date",
        "invalid_household_city": "household_city",
        "household_city_required": "household_city",
    }

    def __init__(self, *args: Any, summaries: list[catalog_services.ServiceSummary], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.summaries = summaries
        cast(forms.ChoiceField, self.fields["services"]).choices = [(s.code, s.name) for s in summaries]
        cast(forms.ChoiceField, self.fields["entries"]).choices = [
            ("", _("The usual option for each endorsement")),
            *Entries.choices,
        ]
        home, elsewhere = catalog_services.household_city_choices()
        self.city_choices: list[tuple[Any, Any]] = [
            ("", _("Choose a city")),
            (_("In this province"), home),
            (_("In other provinces"), elsewhere),
            (OTHER_PROVINCE, _("Another city in another province")),
        ]
        cast(forms.ChoiceField, self.fields["household_city"]).choices = self.city_choices

    @property
    def city_option_groups(self) -> list[tuple[str | None, list[tuple[str, str]]]]:
        """The household city choices as (optgroup label or None, options) for the template."""
        groups: list[tuple[str | None, list[tuple[str, str]]]] = []
        for value, label in self.city_choices:
            if isinstance(label, list | tuple):
                groups.append((str(value), [(str(code), str(name)) for code, name in label]))
            else:
                groups.append((None, [(str(value), str(label))]))
        return groups

    @property
    def groups(self) -> list[ServiceGroup]:
        return service_groups(self.summaries)

    @property
    def chosen(self) -> list[str]:
        if self.is_bound:
            return list(self.data.getlist("services")) if hasattr(self.data, "getlist") else []
        return []

    def clean_birth_date(self) -> dt.date:
        value: dt.date = self.cleaned_data["birth_date"]
        if value.year < 1900:
            raise forms.ValidationError(_("The date of birth must be a real date in the past."))
        return value

    def applicant_facts(self) -> catalog_services.ApplicantFacts:
        data = self.cleaned_data
        city = data["household_city"]
        return catalog_services.ApplicantFacts(
            birth_date=data["birth_date"],
            household_city=None if city == OTHER_PROVINCE else city,
            in_province=False if city == OTHER_PROVINCE else None,
            expedited=data["expedited"],
            business_trip=data["business_trip"],
            entries=data["entries"] or None,
        )

    def add_domain_error(self, error: DomainError) -> None:
        message = str(error.message)
        conflicts = error.details.get("conflicts")
        if conflicts:
            names = {s.code: s.name for s in self.summaries}
            pairs = ["; ".join(names.get(code, code) for code in group) for group in conflicts]
            message = f"{message} ({' / '.join(pairs)})"
        self.add_error(self.error_fields.get(error.code), message)

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for the error summary at the top of the page, in page order."""
        anchors = {
            "services": "#" + self.groups[0].choices[0].html_id if self.summaries else "#questions",
            "entries": "#id_entries",
            "birth_date": "#id_birth_date",
            "household_city": "#id_household_city",
        }
        found = []
        for message in self.non_field_errors():
            found.append(("#questions", str(message)))
        for name in ("services", "entries", "birth_date", "household_city", "expedited", "business_trip"):
            for message in self.errors.get(name, []):
                found.append((anchors.get(name, "#id_" + name), str(message)))
        return found
