"""Stage history, approval requests and decisions, per-project grants and the audit trail."""

import datetime

from django.contrib.auth.models import Permission

from audit.models import AuditEvent
from projects.models import (
    PIPELINE,
    ApprovalDecision,
    ApprovalRequest,
    ProjectUserObjectPermission,
    StageTransition,
)
from projects.services.policies import BUILT_IN_POLICY
from tenancy.models import Role
from tooling.portfolio.shapes import (
    GRANT_ACTIONS,
    REJECTIONS,
    SOURCES,
    next_stage,
)
from tooling.portfolio.writer import as_json


class History:
    """Steps of ``Generator`` that record what happened to the projects, and who may reach them."""

    # --- Stage history and approvals ----------------------------------------------------------

    def stages_and_approvals(self):
        rng, spec = self.rng, self.spec
        promotions = [(p, i) for p in self.all_projects for i, move in enumerate(p.moves) if move[0] == "promotion"]
        promotable = [p for p in self.all_projects if p.stage in PIPELINE[:-1]]
        pending_count = min(len(promotable), round(spec.approval_requests * 0.15))
        decided = spec.approval_requests - pending_count
        approved_count = min(len(promotions), round(decided * 0.72))
        rest = decided - approved_count
        rejected_count = round(rest * 0.5)
        cancelled_count = round(rest * 0.25)

        requests = []  # dicts without id, plus (project, kind, move index)
        # The most recent promotions went through the workflow; older history predates the platform.
        promotions.sort(key=lambda item: item[0].moves[item[1]][3], reverse=True)
        approved = promotions[:approved_count]
        for p, index in approved:
            _kind, before, after, at, actor, _reason = p.moves[index]
            created = at - datetime.timedelta(hours=rng.randint(2, 70))
            requests.append(
                self._request(p, before, after, created, "approved", closed_at=at, closed_by=actor, move=index)
            )
        waiting = rng.sample(promotable, k=pending_count)
        biggest = [p for p in promotable if p.client is self.biggest]
        if waiting and biggest and not any(p.client is self.biggest for p in waiting):
            # The benchmark's client approver works for the biggest client: give them something to decide.
            waiting[-1] = rng.choice(biggest)
        for p in waiting:
            created = self.now - datetime.timedelta(minutes=rng.randint(5, 60 * 60))
            requests.append(self._request(p, p.stage, next_stage(p.stage), created, "pending"))
        for number in range(rest):
            p = rng.choice(self.all_projects)
            status = (
                "rejected"
                if number < rejected_count
                else "cancelled"
                if number < rejected_count + cancelled_count
                else "expired"
            )
            # An earlier try at the project's first promotion (or at its next one, if it has none yet).
            if p.moves:
                before, until = p.moves[0][1], p.moves[0][3]
            else:
                before, until = (p.stage if p.stage in PIPELINE[:-1] else PIPELINE[0]), self.now
            # Early enough to have closed (or run out) before ``until``.
            latest = max(p.created_at, until - datetime.timedelta(days=6))
            created = p.created_at + rng.random() * (latest - p.created_at)
            created = created.replace(microsecond=0)
            hours = _policy(p.client, next_stage(before))["expiry_hours"] if status == "expired" else rng.randint(1, 72)
            closed_at = min(self.now, created + datetime.timedelta(hours=hours))
            closed_by = {"rejected": p.client.approver, "cancelled": p.lead, "expired": None}[status]
            requests.append(
                self._request(p, before, next_stage(before), created, status, closed_at=closed_at, closed_by=closed_by)
            )

        requests.sort(key=lambda request: (request["row"]["created_at"], request["project"].id))
        ids = self.writer.ids(ApprovalRequest, len(requests))
        transition_request = {}
        decisions = []
        for request_id, request in zip(ids, requests, strict=True):
            row, p = request["row"], request["project"]
            row["id"] = request_id
            if request["move"] is not None:
                transition_request[(p.id, request["move"])] = request_id
            self._event(
                row["created_at"],
                p.client.id,
                row["requested_by_id"],
                "approval.requested",
                "projects.approvalrequest",
                request_id,
                f"{p.id} → {row['target_stage']} (pending)",
                p.id,
                None,
                {"from_stage": row["from_stage"], "target_stage": row["target_stage"], "expires_at": row["expires_at"]},
            )
            if row["status"] in ("approved", "rejected"):
                verdict = "approve" if row["status"] == "approved" else "reject"
                # The last to decide closes the request (and, approving, makes the move).
                deciders = [(p.client.approver, ApprovalDecision.Side.CLIENT)]
                if verdict == "approve" and request["two_approvals"]:
                    deciders.insert(0, (self.admin, ApprovalDecision.Side.DELIVERY))
                comment = "" if verdict == "approve" else rng.choice(REJECTIONS)
                for order, (approver, side) in enumerate(deciders):
                    at = row["closed_at"] - datetime.timedelta(minutes=30 * (len(deciders) - 1 - order))
                    decisions.append((p, request_id, approver, verdict, side, comment, at))
            if row["status"] != "pending":
                self._event(
                    row["closed_at"],
                    p.client.id,
                    row["closed_by_id"],
                    f"approval.{row['status']}",
                    "projects.approvalrequest",
                    request_id,
                    f"{p.id} → {row['target_stage']} ({row['status']})",
                    p.id,
                    {"status": "pending"},
                    {"status": row["status"]},
                )
        self.writer.insert(ApprovalRequest, (request["row"] for request in requests))
        decisions.sort(key=lambda decision: (decision[-1], decision[1]))
        decision_ids = self.writer.ids(ApprovalDecision, len(decisions))
        self.writer.insert(
            ApprovalDecision,
            (
                {
                    "id": decision_id,
                    "tenant_id": p.client.id,
                    "request_id": request_id,
                    "approver_id": approver,
                    "verdict": verdict,
                    "side": side,
                    "comment": comment,
                    "created_at": at,
                }
                for decision_id, (p, request_id, approver, verdict, side, comment, at) in zip(
                    decision_ids, decisions, strict=True
                )
            ),
        )
        for decision_id, (p, request_id, approver, verdict, side, comment, at) in zip(
            decision_ids, decisions, strict=True
        ):
            self._event(
                at,
                p.client.id,
                approver,
                "approval.decided",
                "projects.approvaldecision",
                decision_id,
                f"{approver} {verdict}s {request_id}",
                p.id,
                None,
                {"verdict": verdict, "side": side, "comment": comment, "relayed_by": None},
            )

        transitions = [
            {
                "tenant_id": p.client.id,
                "project_id": p.id,
                "kind": kind,
                "from_stage": before,
                "to_stage": after,
                "actor_id": actor,
                "reason": reason,
                "approval_request_id": transition_request.get((p.id, index)),
                "created_at": at,
            }
            for p in self.all_projects
            for index, (kind, before, after, at, actor, reason) in enumerate(p.moves)
        ]
        transitions.sort(key=lambda row: (row["created_at"], row["project_id"]))
        self.writer.insert(StageTransition, transitions)
        for p in self.all_projects:
            for kind, before, after, at, actor, reason in p.moves:
                self._event(
                    at,
                    p.client.id,
                    actor,
                    "project.stage_changed",
                    "projects.project",
                    p.id,
                    f"{p.code} — {p.name}",
                    p.id,
                    {"stage": before},
                    {"stage": after, "kind": kind, "reason": reason},
                )

    def _request(self, p, before, after, created, status, *, closed_at=None, closed_by=None, move=None):
        policy = _policy(p.client, after)
        return {
            "project": p,
            "move": move,
            "two_approvals": policy["required_approvals"] > 1,
            "row": {
                "tenant_id": p.client.id,
                "project_id": p.id,
                "from_stage": before,
                "target_stage": after,
                "status": status,
                "requested_by_id": p.lead,
                "note": "Ready for the next stage: please review." if status == "pending" else "",
                "snapshot": as_json(
                    {
                        "name": p.name,
                        "code": p.code,
                        "stage": before,
                        "workload_type": p.workload,
                        "deployment_model": p.deployment,
                        "hosting_approach": p.hosting,
                        "profile": {"data_sensitivity": p.sensitivity, "monthly_requests": p.monthly_requests},
                        "assessment": None,
                        "estimate": None,
                    }
                ),
                "policy": as_json(policy),
                "expires_at": created + datetime.timedelta(hours=policy["expiry_hours"]),
                "closed_at": closed_at,
                "closed_by_id": closed_by,
                "created_at": created,
            },
        }

    # --- Per-project grants -------------------------------------------------------------------

    def grants(self):
        """Object-permission rows, one per action of the granted role, as ``project_access_grant`` writes them."""
        rng, budget = self.rng, self.spec.permission_rows
        permissions = dict(
            Permission.objects.filter(content_type__app_label="projects", content_type__model="project").values_list(
                "codename", "pk"
            )
        )
        granted = set()
        grants = []  # (user, project, role)

        def grant(user, project, role):
            nonlocal budget
            if (user, project.id) in granted or len(GRANT_ACTIONS[role]) > budget:
                return False
            granted.add((user, project.id))
            grants.append((user, project, role))
            budget -= len(GRANT_ACTIONS[role])
            return True

        # Narrowed client reviewers: a handful of their client's projects each.
        for c in self.clients:
            reviewer = self.reviewers.get(c.id)
            if reviewer is None:
                continue
            for project in rng.sample(c.projects, k=min(len(c.projects), rng.randint(1, 5))):
                grant(reviewer, project, Role.CUSTOMER_APPROVER)
        # Engineers and delivery staff reach single projects of the few clients they work for.
        homes = {
            engineer: rng.sample(self.clients, k=min(len(self.clients), rng.randint(1, 3)))
            for engineer in self.engineers
        }
        attempts = 0
        while budget > 0 and attempts < 50 * len(self.engineers) * len(self.all_projects):
            attempts += 1
            engineer = rng.choice(self.engineers)
            home = rng.choice(homes[engineer]) if rng.random() < 0.9 else rng.choice(self.clients)
            # Mostly engineers, some acting delivery leads; the last rows of the budget fill it exactly.
            if budget >= len(GRANT_ACTIONS[Role.DELIVERY_LEAD]):
                role = rng.choices((Role.ENGINEER, Role.DELIVERY_LEAD), (65, 35))[0]
            elif budget >= len(GRANT_ACTIONS[Role.ENGINEER]):
                role = Role.ENGINEER
            else:
                role = Role.CUSTOMER_VIEWER
            grant(engineer, rng.choice(home.projects), role)
        if budget:
            raise ValueError("Not enough people and projects for that many per-project permission rows.")

        self.writer.insert(
            ProjectUserObjectPermission,
            (
                {"user_id": user, "content_object_id": project.id, "permission_id": permissions[f"{action}_project"]}
                for user, project, role in grants
                for action in GRANT_ACTIONS[role]
            ),
        )
        for user, project, role in grants:
            at = project.created_at + datetime.timedelta(hours=rng.randint(1, 2000))
            self._event(
                min(at, self.now),
                project.client.id,
                project.client.admin,
                "access.project_granted",
                "projects.project",
                project.id,
                f"{project.code} — {project.name}",
                project.id,
                None,
                {"user": self.names[user], "role": role},
            )

    # --- The audit trail ----------------------------------------------------------------------

    def _event(self, at, tenant_id, actor, action, object_type, object_id, object_repr, project_id, before, after):
        self.events.append(
            (at, tenant_id, actor, action, object_type, str(object_id), object_repr[:200], project_id, before, after)
        )

    def audit(self):
        """Exactly ``audit_events`` events: those of the history above, topped up with everyday edits."""
        rng, wanted = self.rng, self.spec.audit_events
        events = self.events
        if len(events) > wanted:
            events = [events[i] for i in sorted(rng.sample(range(len(events)), k=wanted))]
        fields = ("monthly_requests", "avg_input_tokens", "monthly_budget", "latency_target_ms")
        for _ in range(wanted - len(events)):
            p = rng.choice(self.all_projects)
            at = p.created_at + datetime.timedelta(
                seconds=int(rng.random() * (self.now - p.created_at).total_seconds())
            )
            if rng.random() < 0.5:
                name = rng.choice(fields)
                events.append(
                    (
                        at,
                        p.client.id,
                        p.lead,
                        "project.profile_updated",
                        "projects.project",
                        str(p.id),
                        f"{p.code} — {p.name}",
                        p.id,
                        {name: rng.randint(1, 9) * 1000},
                        {name: rng.randint(1, 9) * 1000},
                    )
                )
            else:
                events.append(
                    (
                        at,
                        p.client.id,
                        p.lead,
                        "project.updated",
                        "projects.project",
                        str(p.id),
                        f"{p.code} — {p.name}",
                        p.id,
                        {"description": ""},
                        {"description": f"{p.name} for {p.client.name}."},
                    )
                )
        events.sort(key=lambda event: event[0])
        sources = [source for source, _ in SOURCES]
        weights = [weight for _, weight in SOURCES]
        self.writer.insert(
            AuditEvent,
            (
                {
                    "tenant_id": tenant_id,
                    "actor_id": actor,
                    "actor_name": self.names.get(actor, "system"),
                    "action": action,
                    "object_type": object_type,
                    "object_id": object_id,
                    "object_repr": object_repr,
                    "project_id": project_id,
                    "before": None if before is None else as_json(before),
                    "after": None if after is None else as_json(after),
                    "source": rng.choices(sources, weights)[0] if actor else AuditEvent.Source.SYSTEM,
                    "request_id": f"{rng.getrandbits(64):016x}",
                    "created_at": at,
                }
                for (at, tenant_id, actor, action, object_type, object_id, object_repr, project_id, before, after) in (
                    events
                )
            ),
        )
        self.events = []


def _policy(client, target: str) -> dict:
    """The policy a request into ``target`` is made under: the client's for that stage, its default, or the built-in."""
    return client.policies.get(target) or client.policies.get("") or dict(BUILT_IN_POLICY)
