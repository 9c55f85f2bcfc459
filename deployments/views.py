"""Pages that change where a project runs: its deployment model, the client's cloud environment,
the client's sign-offs and the hybrid routing rules. Each fetches the project through
``tenancy.access``, parses with a form and leaves every rule to ``deployments.services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.forms import STALE_EDIT, VERSION_FIELD, edit_status, set_version, show_service_errors
from core.validators import whole_number
from deployments.forms import (
    MAX_RULES,
    SIGN_OFF_LABELS,
    DeploymentModelForm,
    EnvironmentForm,
    RoutingRuleForm,
    RoutingRuleFormSet,
    environment_labels,
    rule_initial,
    sign_off_label,
    withdrawal_notes,
)
from deployments.models import CustomerCloudEnvironment
from deployments.selectors import environment_for, routing_rules_for
from deployments.services import (
    SIGN_OFF_FACTS,
    deployment_model_switch,
    environment_sign_off,
    environment_update,
    routing_rules_replace,
    speaks_for_client,
)
from projects.models import DeploymentModel, HostingApproach, Project, Residency
from projects.services.stages import lock_project
from tenancy.access import Action, get_for_user_or_404


@login_required
def deployment_model(request, pk):
    project = get_for_user_or_404(
        Project.objects.select_related("tenant", "profile"), user=request.user, action=Action.CHANGE, pk=pk
    )
    # A project with no environment yet: the form edits the one it would have (core.forms.VersionedEditForm).
    environment = environment_for(user=request.user, project=project) or CustomerCloudEnvironment(project_id=project.pk)
    form = DeploymentModelForm(request.POST or None, project=project, environment=environment)
    # One transaction: the form's version check holds the project's and the environment's rows
    # until the save is committed.
    with transaction.atomic():
        if request.method == "POST" and form.is_valid():
            target = form.cleaned_data["deployment_model"]
            # Facts typed while choosing managed are not applied: the environment stays as it was.
            facts = form.environment_fields() if target == DeploymentModel.CUSTOMER_CLOUD else None
            switching = target != project.deployment_model
            try:
                deployment_model_switch(project=project, actor=request.user, deployment_model=target, environment=facts)
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                if switching:
                    messages.success(request, f"{project.code} now runs as {DeploymentModel(target).label.lower()}.")
                elif facts:
                    messages.success(request, "Environment saved; the deployment model stays as it was.")
                else:
                    messages.info(request, "Nothing changed.")
                return redirect("project-detail", project.pk)
    strict = project.profile.residency == Residency.STRICT
    return render(
        request,
        "deployments/deployment_model_form.html",
        {
            "project": project,
            "form": form,
            "strict_residency": strict,
            "required_facts": environment_labels(CustomerCloudEnvironment.required_facts(strict_residency=strict)),
            "required_data_centre_facts": environment_labels(
                CustomerCloudEnvironment.required_facts(
                    strict_residency=strict, kind=CustomerCloudEnvironment.Kind.DATA_CENTRE
                )
            ),
        },
        status=edit_status(form),
    )


@login_required
def environment(request, pk):
    project = get_for_user_or_404(
        Project.objects.select_related("tenant"), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk
    )
    stored = environment_for(user=request.user, project=project)
    signed_before = {
        "access_pattern": bool(stored and stored.access_signed_off),
        "data_residency": bool(stored and stored.residency_signed_off),
    }
    # None yet: the form edits the one the project would have, so that one written meanwhile is seen.
    form = EnvironmentForm(request.POST or None, environment=stored or CustomerCloudEnvironment(project_id=project.pk))
    # One transaction: the form's version check holds the environment's row until the save is
    # committed (the project's first, the order every service locks in).
    with transaction.atomic():
        if request.method == "POST":
            lock_project(project)
        if request.method == "POST" and form.is_valid():
            try:
                saved = environment_update(project=project, actor=request.user, **form.environment_fields())
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                signed_after = {
                    "access_pattern": saved.access_signed_off,
                    "data_residency": saved.residency_signed_off,
                }
                withdrawn = [kind for kind in signed_before if signed_before[kind] and not signed_after[kind]]
                messages.success(request, "Environment saved.")
                for kind in withdrawn:
                    messages.warning(
                        request,
                        f"{sign_off_label(kind)}: withdrawn, because facts it covered changed. Ask the client again.",
                    )
                return redirect("project-detail", project.pk)
    return render(
        request,
        "deployments/environment_form.html",
        {"project": project, "form": form, "environment": stored, "withdrawals": withdrawal_notes(SIGN_OFF_FACTS)},
        status=edit_status(form),
    )


@login_required
@require_POST
def sign_off(request, pk, kind):
    """The client's admins and approvers sign off; the service refuses (403) anyone else."""
    project = get_for_user_or_404(Project.objects.all(), user=request.user, pk=pk)
    try:
        environment_sign_off(project=project, actor=request.user, kind=kind)
    except ValidationError as error:
        for field, field_messages in error.message_dict.items():
            for message in field_messages:
                messages.error(request, f"{environment_labels([field])[0]}: {message}")
    else:
        messages.success(request, f"{sign_off_label(kind)}: recorded in your name.")
    return redirect("project-detail", project.pk)


@login_required
def routing_rules(request, pk):
    """The project's routing rules, replaced as a whole. The page carries the version of the set it
    showed (``core.forms.set_version``): saving over rules someone else changed since is refused
    with 409, nothing saved, as on every edit page (``VersionedEditForm``)."""
    project = get_for_user_or_404(
        Project.objects.select_related("tenant"), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk
    )
    status = 200
    # One transaction, the project locked first (the order the service locks in): the rules read
    # here are the ones the save replaces.
    with transaction.atomic():
        if request.method == "POST":
            lock_project(project)
        stored = routing_rules_for(user=request.user, project=project)
        current = version = set_version(stored)
        if request.method == "POST":
            data = request.POST
            version = data.get(VERSION_FIELD, "")  # the page's own, carried through "Add a rule" too
            adding = "add_row" in data
            if adding:
                # Without JavaScript, "Add a rule" sends the rows typed so far and gets one more back.
                data = data.copy()
                total = whole_number(data.get("rules-TOTAL_FORMS", ""))
                if total is not None:
                    data["rules-TOTAL_FORMS"] = str(min(total + 1, MAX_RULES))
            formset = RoutingRuleFormSet(data)
            if not adding and formset.is_valid():
                if version != current:
                    formset.non_form_errors().append(STALE_EDIT)
                    status = 409
                else:
                    try:
                        routing_rules_replace(project=project, actor=request.user, rules=formset.rules())
                    except ValidationError as error:
                        formset.add_service_errors(error)
                    else:
                        messages.success(request, "Routing rules saved.")
                        return redirect("project-detail", project.pk)
        else:
            formset = RoutingRuleFormSet(initial=[rule_initial(rule) for rule in stored])
    return render(
        request,
        "deployments/routing_form.html",
        {
            "project": project,
            "formset": formset,
            "version_field": VERSION_FIELD,
            "version": version,
            "is_hybrid": project.hosting_approach == HostingApproach.HYBRID,
            "max_rules": MAX_RULES,
        },
        status=status,
    )


@login_required
@require_GET
def routing_rule_row(request, pk, index):
    """One more empty rule row for the routing form (htmx): row ``index``, counted from 0."""
    project = get_for_user_or_404(Project.objects.all(), user=request.user, action=Action.CHANGE_TECHNICAL, pk=pk)
    if index >= MAX_RULES:
        return HttpResponseBadRequest(f"A project has at most {MAX_RULES} rules.")
    form = RoutingRuleForm(prefix=f"rules-{index}", use_required_attribute=False)
    form.fields["condition_kind"].widget.attrs["autofocus"] = True  # htmx moves the keyboard focus to the new row
    return render(
        request,
        "deployments/_routing_row_added.html",
        {"project": project, "form": form, "index": index, "next_index": index + 1, "max_rules": MAX_RULES},
    )


def project_section(*, user, project, actions=None) -> dict:
    """The project page's deployment card beyond the project row, in a constant number of queries:
    the client's environment and sign-offs, and the routing rules (registered with
    ``projects.panels`` by ``DeploymentsConfig.ready``; the page supplies evidence and tickets).

    ``project`` is one ``user`` may see, so its environment, which follows the project's rights
    (``access_via``), is the one read with it when the page read it so, not fetched again."""
    card = {
        "routing_rules": routing_rules_for(user=user, project=project)
        if project.hosting_approach == HostingApproach.HYBRID
        else [],
    }
    if project.is_customer_cloud:
        if Project.environment.is_cached(project):
            environment = getattr(project, "environment", None)  # None: read with it, and there is none
        else:
            environment = environment_for(user=user, project=project)
        strict = project.profile.residency == Residency.STRICT
        recorded = environment or CustomerCloudEnvironment()
        card["environment_record"] = environment
        card["still_missing"] = environment_labels(recorded.missing_for_customer_cloud(strict_residency=strict))
        card["sign_offs"] = [
            {
                "kind": "access_pattern",
                "label": SIGN_OFF_LABELS["access_pattern"]
                + (": who enters the site and how it is reached" if recorded.is_data_centre else ""),
                "button": "Approve the access pattern",
                "waiting": "Can be approved once the access pattern is recorded.",
                "needed": True,
                "ready": bool(recorded.access_pattern),
                "by": recorded.access_approved_by if recorded.access_signed_off else None,
                "at": recorded.access_approved_at,
            },
            {
                "kind": "data_residency",
                "label": SIGN_OFF_LABELS["data_residency"]
                + (": the data stays in this data centre" if recorded.is_data_centre else ""),
                "button": "Confirm data residency",
                "waiting": "Can be confirmed once the agreed residency regions are recorded.",
                "needed": recorded.needs_residency_confirmation(strict_residency=strict),
                "ready": bool(recorded.residency_regions),
                "by": recorded.residency_confirmed_by if recorded.residency_signed_off else None,
                "at": recorded.residency_confirmed_at,
            },
        ]
        # The sign-off service's own rule, so the buttons appear exactly for those it accepts.
        card["may_sign_off"] = speaks_for_client(user, project)
    return card
