"""An edit page opened while what it edits did not exist yet (a project with no environment or cost
plan, a client with no cost defaults) refuses to save over one someone else wrote meanwhile: the
form comes back (409) with the plain message, and the other person's row stands. With nothing
written meanwhile, the page writes the first one (``core.forms.VersionedEditForm``).

Written before the page is sent back, the row is seen when the view reads it again. Written in the
moment between that read and the save's lock (another first save committing while this one waits),
it was not: the form carried None, which could not be looked up again, and the save overwrote it.
``written_right_after_the_read`` puts the other save in that moment; the races on PostgreSQL run two
first saves at once."""

import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from assessments import setting_views
from assessments.models import CostProfile, TenantCostDefaults
from assessments.services.cost_plans import cost_plan_update, tenant_cost_defaults_update
from core.forms import STALE_EDIT, VersionedEditForm
from deployments import views as deployment_views
from deployments.forms import EnvironmentForm
from deployments.models import CustomerCloudEnvironment
from deployments.services import environment_update
from projects.models import DeploymentModel, Project
from tests.test_stale_edits import FACTS, page_data

pytestmark = pytest.mark.django_db


def opened(client, person, address, mine, form="form"):
    """``person`` opens the page: the form's data as drawn, with their changes."""
    client.force_login(person)
    page = client.get(address)
    assert page.status_code == 200
    return page_data(page.context[form]) | mine


def refused(response):
    assert response.status_code == 409
    assert STALE_EDIT in response.content.decode()


@pytest.fixture
def cloud_project(project):
    Project.objects.filter(pk=project.pk).update(deployment_model=DeploymentModel.CUSTOMER_CLOUD)
    project.refresh_from_db()
    assert not CustomerCloudEnvironment.objects.filter(project=project).exists()
    return project


def _environment(project):
    return CustomerCloudEnvironment.objects.get(project=project)


def written_right_after_the_read(monkeypatch, module, name, write):
    """Someone else's first save commits just after the view read ``module.name`` (and saw none),
    before the view locks anything: the read answers what it saw, then ``write`` runs, once."""
    read = getattr(module, name)
    done = []

    def read_then_written(*args, **kwargs):
        seen = read(*args, **kwargs)
        if not done:
            done.append(write())
        return seen

    monkeypatch.setattr(module, name, read_then_written)


def theirs_environment(project, person):
    return lambda: environment_update(
        project=project, actor=person, **{**FACTS, "change_process_reference": "CAB theirs"}
    )


def test_an_environment_written_while_the_save_waited_for_the_project_is_kept(
    client, people, cloud_project, monkeypatch
):
    address = reverse("project-environment", args=[cloud_project.pk])
    data = opened(client, people["engineer"], address, {**FACTS, "change_process_reference": "CAB mine"})
    written_right_after_the_read(
        monkeypatch, deployment_views, "environment_for", theirs_environment(cloud_project, people["lead"])
    )

    refused(client.post(address, data))
    assert _environment(cloud_project).change_process_reference == "CAB theirs"


def test_the_deployment_model_page_keeps_an_environment_written_while_its_save_waited(
    client, people, project, monkeypatch
):
    address = reverse("project-deployment-model", args=[project.pk])
    data = opened(
        client,
        people["lead"],
        address,
        {**FACTS, "deployment_model": DeploymentModel.CUSTOMER_CLOUD, "change_process_reference": "CAB mine"},
    )
    written_right_after_the_read(
        monkeypatch, deployment_views, "environment_for", theirs_environment(project, people["lead2"])
    )

    refused(client.post(address, data))
    assert _environment(project).change_process_reference == "CAB theirs"
    assert Project.objects.get(pk=project.pk).deployment_model == project.deployment_model


def test_client_cost_defaults_written_while_the_save_waited_are_kept(client, tenant, people, monkeypatch):
    address = reverse("settings-cost-defaults", args=[tenant.slug])
    data = opened(client, people["admin"], address, {"plan-staff_fte": "2"})
    written_right_after_the_read(
        monkeypatch,
        setting_views,
        "tenant_cost_defaults_of",
        lambda: tenant_cost_defaults_update(tenant=tenant, actor=people["platform"], staff_fte="3"),
    )

    refused(client.post(address, data))
    assert TenantCostDefaults.objects.get(tenant=tenant).staff_fte == D("3")


def test_an_environment_written_by_a_service_after_the_page_opened_is_kept(client, people, cloud_project):
    address = reverse("project-environment", args=[cloud_project.pk])
    data = opened(client, people["engineer"], address, {**FACTS, "change_process_reference": "CAB mine"})
    environment_update(
        project=cloud_project, actor=people["lead"], **{**FACTS, "change_process_reference": "CAB theirs"}
    )

    refused(client.post(address, data))
    assert _environment(cloud_project).change_process_reference == "CAB theirs"
    refused(client.post(address, data))  # the same page again: still the version of "none yet"
    assert _environment(cloud_project).change_process_reference == "CAB theirs"


def test_an_environment_another_person_saved_from_their_page_is_kept(client, people, cloud_project):
    address = reverse("project-environment", args=[cloud_project.pk])
    mine = opened(client, people["engineer"], address, {**FACTS, "change_process_reference": "CAB mine"})
    theirs_client = Client()
    theirs = opened(theirs_client, people["lead"], address, {**FACTS, "change_process_reference": "CAB theirs"})
    assert theirs_client.post(address, theirs).status_code == 302

    refused(client.post(address, mine))
    assert _environment(cloud_project).change_process_reference == "CAB theirs"


def test_a_first_environment_with_nothing_written_meanwhile_is_saved(client, people, cloud_project):
    address = reverse("project-environment", args=[cloud_project.pk])
    data = opened(client, people["engineer"], address, {**FACTS, "change_process_reference": "CAB mine"})

    assert client.post(address, data).status_code == 302
    assert _environment(cloud_project).change_process_reference == "CAB mine"


def test_the_deployment_model_page_keeps_an_environment_written_after_it_opened(client, people, project):
    """Switching to customer cloud with the facts typed on the page, while someone records the environment."""
    assert project.deployment_model != DeploymentModel.CUSTOMER_CLOUD
    address = reverse("project-deployment-model", args=[project.pk])
    data = opened(
        client,
        people["lead"],
        address,
        {**FACTS, "deployment_model": DeploymentModel.CUSTOMER_CLOUD, "change_process_reference": "CAB mine"},
    )
    environment_update(project=project, actor=people["lead2"], **{**FACTS, "change_process_reference": "CAB theirs"})

    refused(client.post(address, data))
    assert _environment(project).change_process_reference == "CAB theirs"
    assert Project.objects.get(pk=project.pk).deployment_model == project.deployment_model


def test_a_cost_plan_written_after_the_page_opened_is_kept(client, people, project):
    assert not CostProfile.objects.filter(project=project).exists()
    address = reverse("project-cost-plan", args=[project.pk])
    data = opened(client, people["engineer"], address, {"plan-staff_fte": "2"}, form="cost_plan_form")
    cost_plan_update(project=project, actor=people["lead"], staff_fte="3")

    refused(client.post(address, data))
    assert CostProfile.objects.get(project=project).staff_fte == D("3")


def test_a_first_cost_plan_with_nothing_written_meanwhile_is_saved(client, people, project):
    address = reverse("project-cost-plan", args=[project.pk])
    data = opened(client, people["engineer"], address, {"plan-staff_fte": "2"}, form="cost_plan_form")

    assert client.post(address, data).status_code == 302
    assert CostProfile.objects.get(project=project).staff_fte == D("2")


def test_a_cost_plan_drawn_by_htmx_is_refused_in_place_when_one_was_written_meanwhile(client, people, project):
    address = reverse("project-cost-plan", args=[project.pk])
    client.force_login(people["engineer"])
    fragment = client.get(address, headers={"HX-Request": "true"})
    data = page_data(fragment.context["cost_plan_form"]) | {"plan-staff_fte": "2"}
    cost_plan_update(project=project, actor=people["lead"], staff_fte="3")

    response = client.post(address, data, headers={"HX-Request": "true"})

    assert response.status_code == 200  # htmx swaps in no 4xx answer
    assert STALE_EDIT in response.content.decode()
    assert CostProfile.objects.get(project=project).staff_fte == D("3")


def test_client_cost_defaults_written_after_the_page_opened_are_kept(client, tenant, people):
    assert not TenantCostDefaults.objects.filter(tenant=tenant).exists()
    address = reverse("settings-cost-defaults", args=[tenant.slug])
    data = opened(client, people["admin"], address, {"plan-staff_fte": "2"})
    tenant_cost_defaults_update(tenant=tenant, actor=people["platform"], staff_fte="3")

    refused(client.post(address, data))
    assert TenantCostDefaults.objects.get(tenant=tenant).staff_fte == D("3")


def test_first_client_cost_defaults_with_nothing_written_meanwhile_are_saved(client, tenant, people):
    address = reverse("settings-cost-defaults", args=[tenant.slug])
    data = opened(client, people["admin"], address, {"plan-staff_fte": "2"})

    assert client.post(address, data).status_code == 302
    assert TenantCostDefaults.objects.get(tenant=tenant).staff_fte == D("2")


def test_an_edited_row_not_written_yet_must_name_its_owner(project):
    """The rule holds for every edit page: a form given None (or a row naming no owner) could not
    see a row written meanwhile, so it is refused as the page is drawn, not silently unchecked."""
    with pytest.raises(ValueError, match="naming its"):
        EnvironmentForm(environment=None)
    with pytest.raises(ValueError, match="naming its"):
        EnvironmentForm(environment=CustomerCloudEnvironment())

    form = EnvironmentForm(environment=CustomerCloudEnvironment(project_id=project.pk))

    assert form.edited[0].pk is None
    assert isinstance(form, VersionedEditForm)


def posted_at_once(address, sends) -> list[int]:
    """Each ``(client, data)`` posted to ``address`` at the same moment, each in its own thread and
    connection: the statuses, in order."""
    barrier = threading.Barrier(len(sends))
    statuses = [None] * len(sends)

    def post(index):
        try:
            browser, data = sends[index]
            barrier.wait(timeout=10)
            statuses[index] = browser.post(address, data).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(index,)) for index in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_saves_of_client_cost_defaults_at_once_save_once(tenant, people):
    """No defaults yet, so no row to lock: the client's row is locked instead (the order the service
    locks in), and the second save, once the first is committed, sees its row and is refused."""
    address = reverse("settings-cost-defaults", args=[tenant.slug])
    for round_ in range(4):
        TenantCostDefaults.objects.filter(tenant=tenant).delete()
        sends = []
        for person, staff in ((people["admin"], "2"), (people["platform"], "3")):
            browser = Client()
            sends.append((browser, opened(browser, person, address, {"plan-staff_fte": staff})))

        statuses = posted_at_once(address, sends)

        assert sorted(statuses) == [302, 409], (round_, statuses)
        saved = sends[statuses.index(302)][1]["plan-staff_fte"]
        assert TenantCostDefaults.objects.get(tenant=tenant).staff_fte == D(saved)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_saves_of_an_environment_at_once_save_once(people, cloud_project):
    """Both pages read "no environment" before either locks the project: the second to get the
    lock must see the first's environment, not save over it."""
    address = reverse("project-environment", args=[cloud_project.pk])
    for round_ in range(4):
        CustomerCloudEnvironment.objects.filter(project=cloud_project).delete()
        sends = []
        for person, reference in ((people["engineer"], "CAB engineer"), (people["lead"], "CAB lead")):
            browser = Client()
            sends.append((browser, opened(browser, person, address, {**FACTS, "change_process_reference": reference})))

        statuses = posted_at_once(address, sends)

        assert sorted(statuses) == [302, 409], (round_, statuses)
        saved = sends[statuses.index(302)][1]["change_process_reference"]
        assert _environment(cloud_project).change_process_reference == saved
