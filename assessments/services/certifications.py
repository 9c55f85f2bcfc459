"""The provider certifications of the catalog: what each hosting provider holds, recorded and
removed by platform admins through the page, the API and the Django admin alike. Each change
re-assesses, once it commits, exactly the projects whose readiness reads it
(``selectors.projects_affected_by_certifications``)."""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.jobs import job_request
from assessments.models import Job, ProviderCertification
from assessments.readiness.certifications import CERTIFICATIONS
from assessments.tasks import fan_out
from audit.services import audit_record, snapshot

#: A provider's key, as model keys and environments name it: openai, aws, gcp…
PROVIDER_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
FIELDS = ["provider", "provider_name", "region", "certification", "verified_on", "source"]


def _require_platform_admin(actor) -> None:
    if not getattr(actor, "is_platform_admin", False):
        raise PermissionDenied("Only platform admins keep the catalog's provider certifications.")


@transaction.atomic
def provider_certification_record(
    *, actor, provider: str, certification: str, verified_on, source: str, provider_name: str = "", region: str = ""
) -> tuple[ProviderCertification, bool]:
    """Record that ``provider`` holds ``certification`` (in ``region``, or blank: in every region),
    as checked on ``verified_on`` at ``source``. Recording one already held is a re-check: its
    date, source and name are brought up to date. Returns the row and whether it is new.

    Rules, each refused with its field and nothing stored: a provider key of lower-case letters,
    digits, - and _; a certification the catalog knows; a check dated no later than today; a
    source of at most 200 characters; a provider name (taken from the provider's other rows when
    not given)."""
    _require_platform_admin(actor)
    provider = (provider or "").strip()
    region = (region or "").strip()
    errors = {}
    if not PROVIDER_KEY.match(provider):
        errors["provider"] = "A provider key: lower-case letters, digits, - and _ (e.g. aws, openai), at most 64."
    if certification not in CERTIFICATIONS:
        errors["certification"] = f"One of: {', '.join(CERTIFICATIONS)}."
    if isinstance(verified_on, datetime.datetime) or not isinstance(verified_on, datetime.date):
        errors["verified_on"] = "A date (YYYY-MM-DD)."
    # No place's today is more than a day ahead of UTC's.
    elif verified_on > timezone.now().date() + datetime.timedelta(days=1):
        errors["verified_on"] = "The day it was checked: not a date in the future."
    if errors:
        raise ValidationError(errors)
    row = ProviderCertification.objects.filter(provider=provider, region=region, certification=certification).first()
    created = row is None
    if created:
        known = ProviderCertification.objects.filter(provider=provider).values_list("provider_name", flat=True).first()
        row = ProviderCertification(provider=provider, region=region, certification=certification)
        row.provider_name = known or ""
    before = snapshot(row, FIELDS) if not created else None
    row.verified_on = verified_on
    row.source = (source or "").strip()
    if (provider_name or "").strip():
        row.provider_name = provider_name.strip()
    try:
        row.full_clean()
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    row.save()
    audit_record(
        action="catalog.certification_recorded" if created else "catalog.certification_rechecked",
        obj=row,
        actor=actor,
        before=before,
        after=snapshot(row, FIELDS),
    )
    if created:
        certifications_changed([provider], actor=actor)
    return row, created


@transaction.atomic
def provider_certification_remove(*, actor, certification: ProviderCertification) -> None:
    """Remove a certification the provider no longer holds; the projects that relied on it are
    re-assessed (for a regulated project, it becomes an unverified, blocking item)."""
    _require_platform_admin(actor)
    audit_record(
        action="catalog.certification_removed", obj=certification, actor=actor, before=snapshot(certification, FIELDS)
    )
    provider = certification.provider
    certification.delete()
    certifications_changed([provider], actor=actor)


def certifications_changed(providers, *, actor=None) -> Job:
    """Re-assess, after the transaction commits, the projects whose readiness reads these providers'
    certifications."""
    return job_request(
        kind=Job.Kind.CERTIFICATIONS, task=fan_out, requested_by=actor, parameters={"providers": sorted(set(providers))}
    )
