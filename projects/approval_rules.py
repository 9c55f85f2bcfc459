"""Pure rules of the approval workflow: who may decide, on which side, and when a policy is met.

Plain data in, plain data out: used by the decision service for one person and by the inbox
selector for many requests at once, so the two can never disagree.
"""

from dataclasses import dataclass

from tenancy.models import Role

PLATFORM_ADMIN = "platform_admin"
CLIENT = "client"
DELIVERY = "delivery"
CLIENT_SIDE_ROLES = frozenset({Role.CUSTOMER_ADMIN.value, Role.CUSTOMER_APPROVER.value, Role.CUSTOMER_VIEWER.value})
DELIVERY_SIDE_ROLES = frozenset({Role.DELIVERY_LEAD.value, Role.ENGINEER.value, PLATFORM_ADMIN})


@dataclass(frozen=True)
class Approver:
    """What the rules need to know of a person, for one project."""

    user_id: int
    is_platform_admin: bool
    #: Their tenant-wide role in the project's tenant, if any.
    membership_role: str | None
    #: Per-project grants, for people without a membership: may approve / may promote.
    granted_approve: bool = False
    granted_promote: bool = False

    @property
    def roles(self) -> set[str]:
        roles = set()
        if self.membership_role:
            roles.add(self.membership_role)
        if self.is_platform_admin:
            roles.add(PLATFORM_ADMIN)
        elif self.membership_role is None:
            # Someone granted this one project: the grant says which kind of person they are here.
            if self.granted_approve:
                roles.add(Role.CUSTOMER_APPROVER.value)
            if self.granted_promote:
                roles.add(Role.DELIVERY_LEAD.value)
        return roles

    @property
    def side(self) -> str:
        if self.membership_role in CLIENT_SIDE_ROLES:
            return CLIENT
        if self.membership_role is None and not self.is_platform_admin and self.granted_approve:
            return CLIENT
        return DELIVERY


def refusal(*, policy: dict, approver: Approver, requested_by_id: int) -> str | None:
    """Why ``approver`` may not decide a request made under ``policy``; None if they may."""
    if approver.user_id == requested_by_id and not policy["requester_may_approve"]:
        return "Four-eyes rule: you requested this promotion, so someone else must approve it."
    if approver.user_id in policy["eligible_user_ids"] or approver.roles & set(policy["eligible_roles"]):
        return None
    return "You are not an eligible approver for this request under the client's policy."


def policy_met(policy: dict, approving_sides: list[str]) -> bool:
    """Whether approvals from these sides satisfy the policy (N approvals, and both sides if required)."""
    if len(approving_sides) < policy["required_approvals"]:
        return False
    if policy["require_client_and_delivery"]:
        return CLIENT in approving_sides and DELIVERY in approving_sides
    return True


def progress(policy: dict, approving_sides: list[str]) -> list[str]:
    """Where a request stands against its policy, in words: approvals so far of those needed, and
    each side's part when the policy needs both, e.g. ["1 of 2 approvals", "client: done",
    "delivery: still needed"]."""
    needed = policy["required_approvals"]
    lines = [f"{len(approving_sides)} of {needed} approval{'s' if needed != 1 else ''}"]
    if policy["require_client_and_delivery"]:
        for side in (CLIENT, DELIVERY):
            count = approving_sides.count(side)
            lines.append(f"{side}: {count} approval{'s' if count != 1 else ''}" if count else f"{side}: still needed")
    return lines
