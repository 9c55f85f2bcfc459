"""Clients, their people and roles, approval policies and change freezes."""

import datetime

from django.contrib.auth.hashers import make_password

from accounts.models import User
from projects.models import (
    ApprovalPolicy,
    FreezeWindow,
    Stage,
)
from projects.services.policies import BUILT_IN_POLICY
from tenancy.models import Industry, Membership, Role, Tenant
from tooling.portfolio.shapes import (
    CLIENT_WORDS,
    INDUSTRY_REGULATIONS,
    INDUSTRY_SUFFIXES,
    INDUSTRY_WEIGHTS,
    REGION_WEIGHTS,
    REGIONS,
    Client,
    pick,
    pick_index,
)


class ClientsAndPeople:
    """Steps of ``Generator`` that make the clients and everyone who works with them."""

    def clients_and_people(self):
        spec, rng = self.spec, self.rng
        prefix = spec.prefix
        ids = self.writer.ids(Tenant, spec.tenants)
        self.clients: list[Client] = []
        taken = set()
        for index, tenant_id in enumerate(ids):
            industry = pick(rng, INDUSTRY_WEIGHTS)
            region, time_zone, regional = REGIONS[pick_index(rng, REGION_WEIGHTS)]
            name = f"{rng.choice(CLIENT_WORDS)} {rng.choice(INDUSTRY_SUFFIXES[industry])}"
            while name in taken:
                name = (
                    f"{rng.choice(CLIENT_WORDS)} {rng.choice(CLIENT_WORDS)} {rng.choice(INDUSTRY_SUFFIXES[industry])}"
                )
            taken.add(name)
            extra = INDUSTRY_REGULATIONS.get(industry, [])
            regulations = [*regional, *rng.sample(extra, k=min(1, len(extra)))]
            self.clients.append(
                Client(
                    id=tenant_id,
                    index=index,
                    name=name,
                    slug=f"{prefix}-{index + 1:04d}",
                    industry=industry,
                    region=region,
                    time_zone=time_zone,
                    regulations=sorted(set(regulations)),
                )
            )
        self.writer.insert(
            Tenant,
            (
                {
                    "id": c.id,
                    "name": c.name,
                    "slug": c.slug,
                    "industry": c.industry,
                    "regulations": c.regulations,
                    "residency_region": c.region,
                    "time_zone": c.time_zone,
                    "created_at": self.now - datetime.timedelta(days=rng.randint(60, 2000)),
                }
                for c in self.clients
            ),
        )

        # Client sizes: a few large clients, many small ones (log-normal), every client with a project.
        weights = [rng.lognormvariate(0, 1.1) for _ in self.clients]
        sizes = [1] * len(self.clients)
        for index in rng.choices(range(len(self.clients)), weights=weights, k=spec.projects - len(self.clients)):
            sizes[index] += 1
        self.sizes = sizes
        biggest = max(range(len(self.clients)), key=lambda i: (sizes[i], -i))
        self.biggest = self.clients[biggest]

        people = []  # (username, first, last, is_platform_admin)
        people.append((f"{prefix}-admin", "Ada", "Admin", True))
        people.append((f"{prefix}-lead", "Lee", "Lead", False))
        people.append((f"{prefix}-viewer", "Vic", "Viewer", False))
        people.append((f"{prefix}-approver", "April", "Approver", False))
        lead_pool = max(2, spec.tenants // 8)
        engineer_pool = max(2, spec.tenants // 3)
        people += [(f"{prefix}-dl-{i + 1:03d}", "Delivery", f"Lead {i + 1}", False) for i in range(lead_pool)]
        people += [(f"{prefix}-eng-{i + 1:04d}", "Engineer", f"{i + 1}", False) for i in range(engineer_pool)]
        reviewers = [c for c in self.clients if rng.random() < 0.15]
        for c in self.clients:
            first = c.name.split()[0]
            people += [
                (f"{c.slug}-admin", first, "Admin", False),
                (f"{c.slug}-approver", first, "Approver", False),
                (f"{c.slug}-viewer", first, "Viewer", False),
            ]
        people += [(f"{c.slug}-reviewer", c.name.split()[0], "Reviewer", False) for c in reviewers]
        user_ids = self.writer.ids(User, len(people))
        by_name = dict(zip((p[0] for p in people), user_ids, strict=True))
        self.names = {user_id: username for username, user_id in by_name.items()}
        password = make_password(spec.password)  # one hash for everyone: thousands of accounts, one hashing
        self.writer.insert(
            User,
            (
                {
                    "id": user_id,
                    "username": username,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.test",
                    "password": password,
                    "is_platform_admin": is_admin,
                    "is_staff": is_admin,
                    "is_superuser": is_admin,
                    "date_joined": self.now - datetime.timedelta(days=400),
                }
                for (username, first, last, is_admin), user_id in zip(people, user_ids, strict=True)
            ),
        )
        self.admin = by_name[f"{prefix}-admin"]
        self.lead = by_name[f"{prefix}-lead"]
        self.leads = [by_name[f"{prefix}-dl-{i + 1:03d}"] for i in range(lead_pool)]
        self.engineers = [by_name[f"{prefix}-eng-{i + 1:04d}"] for i in range(engineer_pool)]
        self.usernames = {
            "platform_admin": f"{prefix}-admin",
            "delivery_lead": f"{prefix}-lead",
            "client_viewer": f"{prefix}-viewer",
            "client_approver": f"{prefix}-approver",
            "engineer": f"{prefix}-eng-0001",
        }

        memberships = []  # (tenant, user, role, all_projects)
        self.lead_clients = sorted(rng.sample(range(len(self.clients)), k=spec.lead_tenants))
        for c in self.clients:
            c.admin, c.approver, c.viewer = (
                by_name[f"{c.slug}-{suffix}"] for suffix in ("admin", "approver", "viewer")
            )
            memberships += [
                (c.id, c.admin, Role.CUSTOMER_ADMIN, True),
                (c.id, c.approver, Role.CUSTOMER_APPROVER, True),
                (c.id, c.viewer, Role.CUSTOMER_VIEWER, True),
            ]
            c.leads = rng.sample(self.leads, k=min(len(self.leads), rng.choice((1, 1, 2))))
            memberships += [(c.id, lead, Role.DELIVERY_LEAD, True) for lead in c.leads]
        for index in self.lead_clients:
            c = self.clients[index]
            c.leads.append(self.lead)
            memberships.append((c.id, self.lead, Role.DELIVERY_LEAD, True))
        memberships += [
            (self.biggest.id, by_name[f"{prefix}-viewer"], Role.CUSTOMER_VIEWER, True),
            (self.biggest.id, by_name[f"{prefix}-approver"], Role.CUSTOMER_APPROVER, True),
        ]
        # Narrowed: the client's reviewer approves only the projects granted to them one by one.
        self.reviewers = {c.id: by_name[f"{c.slug}-reviewer"] for c in reviewers}
        memberships += [
            (tenant_id, user_id, Role.CUSTOMER_APPROVER, False) for tenant_id, user_id in self.reviewers.items()
        ]
        membership_ids = self.writer.ids(Membership, len(memberships))
        self.writer.insert(
            Membership,
            (
                {
                    "id": membership_id,
                    "tenant_id": tenant_id,
                    "user_id": user_id,
                    "role": role,
                    "all_projects": all_projects,
                    "created_at": self.now - datetime.timedelta(days=rng.randint(30, 700)),
                }
                for membership_id, (tenant_id, user_id, role, all_projects) in zip(
                    membership_ids, memberships, strict=True
                )
            ),
        )
        for membership_id, (tenant_id, user_id, role, all_projects) in zip(membership_ids, memberships, strict=True):
            self._event(
                self.now - datetime.timedelta(days=rng.randint(30, 700)),
                tenant_id,
                None,
                "access.role_granted",
                "accounts.membership",
                membership_id,
                f"{self.names[user_id]} — {Role(role).label}",
                None,
                None,
                {"role": role, "all_projects": all_projects, "user": self.names[user_id]},
            )

        # Policies: most clients keep the built-in default; some write their own, stricter for production.
        written, windows = [], []
        for c in self.clients:
            if rng.random() < 0.3:
                strict = c.industry in (Industry.FINANCIAL_SERVICES, Industry.HEALTHCARE)
                written.append(
                    (
                        c,
                        "",
                        {
                            "required_approvals": 1,
                            "eligible_roles": ["customer_approver", "customer_admin"],
                            "require_client_and_delivery": False,
                            "expiry_hours": 120,
                        },
                    )
                )
                written.append(
                    (
                        c,
                        Stage.PRODUCTION,
                        {
                            "required_approvals": 2 if strict else 1,
                            "eligible_roles": ["customer_approver", "customer_admin", "platform_admin"],
                            "require_client_and_delivery": strict,
                            "expiry_hours": 72,
                        },
                    )
                )
            if rng.random() < 0.1:
                windows.append(
                    {
                        "tenant_id": c.id,
                        "name": "Weekend release freeze",
                        "kind": FreezeWindow.Kind.WEEKLY,
                        "start_weekday": FreezeWindow.Weekday.FRIDAY,
                        "start_time": datetime.time(18, 0),
                        "end_weekday": FreezeWindow.Weekday.MONDAY,
                        "end_time": datetime.time(6, 0),
                        "created_at": self.now - datetime.timedelta(days=rng.randint(10, 300)),
                    }
                )
        policy_ids = self.writer.ids(ApprovalPolicy, len(written))
        self.writer.insert(
            ApprovalPolicy,
            (
                {"id": policy_id, "tenant_id": c.id, "target_stage": target, **rules}
                for policy_id, (c, target, rules) in zip(policy_ids, written, strict=True)
            ),
        )
        for policy_id, (c, target, rules) in zip(policy_ids, written, strict=True):
            # As ``policy_for`` records it on each request made under it.
            label = Stage(target).label if target else "every stage"
            c.policies[target] = {**BUILT_IN_POLICY, **rules, "source": f"policy #{policy_id} (Policy for {label})"}
        self.writer.insert(FreezeWindow, windows)
