"""What the engines read beyond a project, kept without the Django admin (issue 15): the catalog's
provider certifications (platform admins, page and API; every change re-assesses exactly the
projects it concerns) and a client's cost-plan defaults (its customer admins and platform admins,
page and API)."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.catalog import prices_import
from assessments.models import Assessment, Job, ProviderCertification, TenantCostDefaults
from assessments.selectors import projects_affected_by_certifications
from assessments.services.certifications import provider_certification_record, provider_certification_remove
from assessments.services.evaluation import project_evaluate
from audit.models import AuditEvent
from deployments.models import CustomerCloudEnvironment
from projects.models import RequirementsProfile
from tests.edit_forms import as_sent
from tests.factories import ProjectFactory, TenantFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 2)
PRICES = {"openai:gpt-4o-mini": (D("0.15"), D("0.075"), D("0.60")), "openai:gpt-4o": (D("2.50"), D("1.25"), D("10"))}


def regulated(project, *regulations):
    RequirementsProfile.objects.filter(project=project).update(
        data_sensitivity="regulated", data_categories=["financial"], regulations=list(regulations)
    )
    return project


def catalog_state():
    return (
        list(ProviderCertification.objects.order_by("pk").values()),
        Job.objects.count(),
        AuditEvent.objects.filter(action__startswith="catalog.").count(),
    )


# --- Certifications: the service --------------------------------------------------------------


def test_recording_a_certification_audits_it_and_re_assesses_its_providers_projects(people):
    row, created = provider_certification_record(
        actor=people["platform"],
        provider="mistral",
        certification="pci_dss",
        verified_on=TODAY,
        source="https://trust.mistral.ai/ (checked by hand)",
    )
    assert created
    assert row.provider_name == "Mistral AI", "the name already on record for the provider"
    job = Job.objects.get()
    assert (job.kind, job.parameters, job.requested_by) == (
        Job.Kind.CERTIFICATIONS,
        {"providers": ["mistral"]},
        people["platform"],
    )
    event = AuditEvent.objects.get(action="catalog.certification_recorded")
    assert event.after["source"] == "https://trust.mistral.ai/ (checked by hand)"

    # The same certification again is a re-check: date and source move on, nothing to re-assess.
    again, created = provider_certification_record(
        actor=people["platform"],
        provider="mistral",
        certification="pci_dss",
        verified_on=TODAY + datetime.timedelta(days=3),
        source="Re-checked on the trust page",
    )
    assert (again.pk, created, again.verified_on) == (row.pk, False, TODAY + datetime.timedelta(days=3))
    assert Job.objects.count() == 1
    event = AuditEvent.objects.get(action="catalog.certification_rechecked")
    assert event.before["source"] == "https://trust.mistral.ai/ (checked by hand)"

    provider_certification_remove(actor=people["platform"], certification=again)
    assert not ProviderCertification.objects.filter(pk=row.pk).exists()
    assert Job.objects.count() == 2
    assert AuditEvent.objects.filter(action="catalog.certification_removed").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"provider": "Open AI"}, "provider"),
        ({"provider": ""}, "provider"),
        ({"certification": "fedramp"}, "certification"),
        ({"verified_on": "2026-11-02"}, "verified_on"),
        ({"verified_on": timezone.now().date() + datetime.timedelta(days=3)}, "verified_on"),
        ({"source": ""}, "source"),
        ({"source": "x" * 201}, "source"),
        ({"provider": "newcloud", "provider_name": ""}, "provider_name"),
    ],
)
def test_a_bad_certification_is_refused_naming_the_field_and_nothing_is_stored(people, change, field):
    before = catalog_state()
    fields = {"provider": "openai", "certification": "pci_dss", "verified_on": TODAY, "source": "Trust page"} | change
    with pytest.raises(ValidationError) as error:
        provider_certification_record(actor=people["platform"], **fields)
    assert field in error.value.message_dict
    assert catalog_state() == before


def test_only_platform_admins_keep_the_certifications(people):
    before = catalog_state()
    row = ProviderCertification.objects.filter(provider="openai").first()
    for person in ("lead", "admin", "viewer"):
        with pytest.raises(PermissionDenied):
            provider_certification_record(
                actor=people[person], provider="openai", certification="pci_dss", verified_on=TODAY, source="x"
            )
        with pytest.raises(PermissionDenied):
            provider_certification_remove(actor=people[person], certification=row)
    assert catalog_state() == before


def test_a_change_concerns_exactly_the_regulated_projects_that_hand_data_to_the_provider(tenant, people):
    prices_import(prices=PRICES, source="test", now=timezone.now() - datetime.timedelta(days=1))
    on_openai = regulated(ProjectFactory(tenant=tenant), "pci_dss")  # the platform's default API model
    unregulated = ProjectFactory(tenant=tenant)
    ai_act_only = regulated(ProjectFactory(tenant=tenant), "eu_ai_act")  # asks nothing of the provider
    on_aws = regulated(ProjectFactory(tenant=tenant), "hipaa")
    CustomerCloudEnvironment.objects.create(tenant=tenant, project=on_aws, provider="aws", regions=["eu-west-1"])
    other_client = TenantFactory(slug="initech")
    on_anthropic = regulated(ProjectFactory(tenant=other_client), "gdpr")
    TenantCostDefaults.objects.create(tenant=other_client, api_model="anthropic:claude-sonnet-4")

    assert projects_affected_by_certifications(["openai"]) == sorted([on_openai.pk, on_aws.pk])
    assert projects_affected_by_certifications(["aws"]) == [on_aws.pk]
    assert projects_affected_by_certifications(["anthropic"]) == [on_anthropic.pk]
    assert projects_affected_by_certifications(["oci"]) == []
    assert unregulated.pk not in projects_affected_by_certifications(["openai", "aws", "anthropic"])
    assert ai_act_only.pk not in projects_affected_by_certifications(["openai", "aws", "anthropic"])


# --- Certifications: the page -----------------------------------------------------------------


def test_the_certifications_page_lists_sources_records_and_removes(client, people):
    client.force_login(people["platform"])
    page = client.get(reverse("catalog-certifications"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Provider certifications" in text
    assert 'href="https://trust.openai.com/"' in text, "each shipped row links the page it can be checked on"
    assert "HIPAA business associate agreement" in text
    assert "hipaa_baa" not in text.replace('value="hipaa_baa"', "")

    refused = client.post(
        reverse("catalog-certifications"),
        {"provider": "openai", "certification": "pci_dss", "verified_on": "2999-01-01", "source": "x"},
    )
    assert refused.status_code == 200
    assert "not a date in the future" in refused.content.decode()
    assert not ProviderCertification.objects.filter(provider="openai", certification="pci_dss").exists()

    done = client.post(
        reverse("catalog-certifications"),
        {"provider": "openai", "certification": "pci_dss", "verified_on": "2026-11-02", "source": "Trust page"},
        follow=True,
    )
    assert "OpenAI: PCI DSS attestation of compliance (every region) recorded" in done.content.decode()
    row = ProviderCertification.objects.get(provider="openai", certification="pci_dss")
    assert Job.objects.get().kind == Job.Kind.CERTIFICATIONS

    asked = client.get(reverse("catalog-certification-remove", args=[row.pk]))
    assert "Remove the record that OpenAI holds the PCI DSS attestation of compliance in every region?" in (
        asked.content.decode()
    )
    assert ProviderCertification.objects.filter(pk=row.pk).exists(), "asking removes nothing"
    removed = client.post(reverse("catalog-certification-remove", args=[row.pk]), follow=True)
    assert "removed" in removed.content.decode()
    assert not ProviderCertification.objects.filter(pk=row.pk).exists()


def test_the_certifications_page_is_for_platform_admins(client, people):
    row = ProviderCertification.objects.first()
    for person in ("lead", "admin"):
        client.force_login(people[person])
        assert client.get(reverse("catalog-certifications")).status_code == 403
        assert client.get(reverse("catalog-certification-remove", args=[row.pk])).status_code == 403
        assert client.post(reverse("catalog-certification-remove", args=[row.pk])).status_code == 403
    assert ProviderCertification.objects.filter(pk=row.pk).exists()


# --- Certifications: the API ------------------------------------------------------------------


def test_certifications_in_the_api(api, people):
    listed = api(people["viewer"]).get("/api/v1/certifications/", {"provider": "openai"})
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert {row["certification"] for row in rows} == {"soc2", "iso_27001", "hipaa_baa", "dpa"}
    assert all(row["source"].startswith("https://trust.openai.com/") for row in rows)

    body = {"provider": "openai", "certification": "pci_dss", "verified_on": "2026-11-02", "source": "Trust page"}
    assert api(people["lead"]).post("/api/v1/certifications/", body, format="json").status_code == 403
    refused = api(people["platform"]).post(
        "/api/v1/certifications/", body | {"certification": "fedramp"}, format="json"
    )
    assert refused.status_code == 400
    assert [item["field"] for item in refused.json()["error"]["fields"]] == ["certification"]
    refused = api(people["platform"]).post("/api/v1/certifications/", body | {"provider": "Open AI"}, format="json")
    assert refused.status_code == 400
    assert [item["field"] for item in refused.json()["error"]["fields"]] == ["provider"]

    created = api(people["platform"]).post("/api/v1/certifications/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["provider_name"] == "OpenAI"
    rechecked = api(people["platform"]).post(
        "/api/v1/certifications/", body | {"verified_on": "2026-11-05"}, format="json"
    )
    assert (rechecked.status_code, rechecked.json()["id"]) == (200, created.json()["id"])

    url = f"/api/v1/certifications/{created.json()['id']}/"
    assert api(people["lead"]).delete(url).status_code == 403
    assert api(people["platform"]).delete(url).status_code == 204
    assert api(people["platform"]).get(url).status_code == 404
    assert Job.objects.filter(kind=Job.Kind.CERTIFICATIONS).count() == 2


# --- A client's cost defaults -----------------------------------------------------------------


def test_a_customer_admin_sets_the_clients_cost_defaults_on_the_settings_page(client, project, people):
    prices_import(prices=PRICES, source="test", now=timezone.now() - datetime.timedelta(days=1))
    url = reverse("settings-cost-defaults", args=[project.tenant.slug])
    client.force_login(people["admin"])
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Platform default" in text
    assert "Cost defaults" in text

    refused = client.post(url, as_sent(client, url, {"plan-utilisation_percent": "0"}))
    assert refused.status_code == 200
    assert "Between 1 and 100 per cent." in refused.content.decode()
    assert not TenantCostDefaults.objects.exists()

    saved = client.post(
        url,
        as_sent(client, url, {"plan-staff_loaded_monthly": "12000", "plan-api_model": "openai:gpt-4o"}),
        follow=True,
    )
    assert "recalculated" in saved.content.decode()
    defaults = TenantCostDefaults.objects.get(tenant=project.tenant)
    assert (defaults.staff_loaded_monthly, defaults.api_model) == (D("12000"), "openai:gpt-4o")
    assert Job.objects.get().kind == Job.Kind.COST_DEFAULTS
    assert "$12,000" in client.get(url).content.decode()


def test_the_cost_defaults_page_is_the_clients_managers_only(client, project, people):
    url = reverse("settings-cost-defaults", args=[project.tenant.slug])
    for person, refused in (("lead", 403), ("viewer", 403), ("outsider", 404)):
        client.force_login(people[person])
        assert client.get(url).status_code == refused
        assert client.post(url, {"plan-staff_fte": "2"}).status_code == refused
    assert not TenantCostDefaults.objects.exists()
    client.force_login(people["platform"])
    assert client.get(url).status_code == 200


def test_cost_defaults_in_the_api(api, project, people):
    prices_import(prices=PRICES, source="test", now=timezone.now() - datetime.timedelta(days=1))
    url = f"/api/v1/tenants/{project.tenant.slug}/cost-defaults/"
    read = api(people["viewer"]).get(url)
    assert read.status_code == 200
    assert read.json()["defaults"]["api_model"] is None
    assert read.json()["origins"]["api_model"] == "platform"
    assert "ETag" in read.headers

    assert api(people["viewer"]).patch(url, {"staff_fte": 2}, format="json").status_code == 403
    assert api(people["lead"]).patch(url, {"staff_fte": 2}, format="json").status_code == 403
    assert api(people["outsider"]).get(url).status_code == 404
    assert api(people["outsider"]).patch(url, {"staff_fte": 2}, format="json").status_code == 404
    assert api(people["admin"]).get("/api/v1/tenants/no-such-client/cost-defaults/").status_code == 404
    refused = api(people["admin"]).patch(url, {"utilisation_percent": 0}, format="json")
    assert refused.status_code == 400
    assert [item["field"] for item in refused.json()["error"]["fields"]] == ["utilisation_percent"]
    refused = api(people["admin"]).patch(url, {"gpu": "x"}, format="json")
    assert refused.status_code == 400
    assert [item["field"] for item in refused.json()["error"]["fields"]] == ["gpu"]
    assert not TenantCostDefaults.objects.exists()

    changed = api(people["admin"]).patch(url, {"staff_fte": "2", "api_model": "openai:gpt-4o"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["defaults"]["staff_fte"] == "2"
    assert changed.json()["origins"] == changed.json()["origins"] | {"api_model": "tenant", "staff_fte": "tenant"}
    assert Job.objects.get().kind == Job.Kind.COST_DEFAULTS


def test_assessments_read_the_catalogs_certifications(tenant, people):
    """The row a platform admin records is the one readiness reads (not a copy)."""
    prices_import(prices=PRICES, source="test", now=timezone.now() - datetime.timedelta(days=1))
    project = regulated(ProjectFactory(tenant=tenant, delivery_lead=people["lead"]), "pci_dss")
    RequirementsProfile.objects.filter(project=project).update(monthly_requests=200_000)
    project_evaluate(project)
    before = Assessment.objects.filter(project=project).latest("created_at")
    assert "certifications_unverified" in {mismatch["code"] for mismatch in before.result["mismatches"]}
    provider_certification_record(
        actor=people["platform"], provider="openai", certification="pci_dss", verified_on=TODAY, source="Trust page"
    )
    project_evaluate(project)
    after = Assessment.objects.filter(project=project).latest("created_at")
    assert "certifications_unverified" not in {mismatch["code"] for mismatch in after.result["mismatches"]}
