"""Cached reads that are never stale: results keyed by the versions of what they depend on.

A portfolio read (the API's project list, the dashboard's figures, the inbox) depends on the rows
of the tenants the reader can see and on who may see what. So every cached read is keyed by:

- the **release** version: bumped after every ``migrate`` (a deploy may change what a read
  returns) and by ``reset``;
- the **access** version: bumped by every change to a membership, a per-object grant, a group, a
  tenant or a user's rights;
- the **version of each tenant** the reader can see: bumped by every change to a row that tenant
  owns (``TenantOwned``), through model signals for single rows and ``tenants_changed`` from the
  services that write in bulk (standings, routing rules). Only bookkeeping that no cached read
  shows (a webhook delivery's attempts) is written without a bump.

A read takes the versions *before* it queries the database, and a write bumps them both when it
is made and again once its transaction commits. So a result computed before a commit is stored
under versions that the commit has already replaced: it is never served again. A version that is
missing (never set, evicted, or Redis restarted without its data) starts from the clock in
nanoseconds, above any value it can have had before, so an old entry cannot come back.

When the cache does not answer, reads are computed as if nothing were cached, and a write's bump
is logged and skipped: the cache has lost the entries it would have invalidated too, or they
expire within ``TIMEOUT``.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from redis.exceptions import RedisError

from accounts.models import User
from core.cache import redis_get_many, redis_pipeline
from tenancy.access import restrict
from tenancy.models import Membership, Tenant, TenantOwned

logger = logging.getLogger(__name__)

#: How long a cached read is kept at most, whatever its versions say.
TIMEOUT = 300

_PREFIX = "fresh"
_RELEASE = f"{_PREFIX}:release"
_ACCESS = f"{_PREFIX}:access"
#: Bumped with every tenant's version: the one data version of a reader who sees every tenant.
_ANY = f"{_PREFIX}:any-tenant"
_FAILURES = (RedisError, OSError)


def _tenant_key(tenant_id) -> str:
    return f"{_PREFIX}:tenant:{tenant_id}"


# --- Writers ----------------------------------------------------------------------------------


def tenants_changed(tenant_ids: Iterable[int]) -> None:
    """Rows of these tenants changed: now, and again when the current transaction commits."""
    keys = sorted({_tenant_key(tenant_id) for tenant_id in tenant_ids if tenant_id is not None})
    if keys:
        _bump_now_and_on_commit([*keys, _ANY])


def access_changed() -> None:
    """Who may see or do what changed (a membership, grant, group, tenant or user's rights)."""
    _bump_now_and_on_commit([_ACCESS])


def reset() -> None:
    """Forget every cached read (after a migration, a restored database, or between tests)."""
    _bump([_RELEASE])


def _bump_now_and_on_commit(keys: list[str]) -> None:
    _bump(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump(keys))


def _bump(keys: list[str]) -> None:
    try:
        _start_or_increment(keys, increment=True)
    except _FAILURES:
        logger.warning("Cache unavailable: versions %s not bumped", keys[:5], exc_info=True)


def _start_or_increment(keys: list[str], *, increment: bool) -> None:
    """Start each missing version from the clock (above any value it can have had); then, if
    ``increment``, add one to each. On Redis one round trip, whatever the number of keys."""
    start = time.time_ns()
    with redis_pipeline() as (pipeline, make_key):
        if pipeline is not None:
            for key in keys:
                pipeline.set(make_key(key), start, nx=True)
                if increment:
                    pipeline.incr(make_key(key))
            pipeline.execute()
            return
    for key in keys:
        if not cache.add(key, start, timeout=None) and increment:
            cache.incr(key)


# --- Readers ----------------------------------------------------------------------------------


def cached(user, name: str, parts: Iterable, compute: Callable[[], object], *, timeout: int = TIMEOUT):
    """``compute()``, or its earlier result for ``user`` if nothing it depends on has changed since.

    ``name`` names the read and ``parts`` everything else its result depends on besides the
    reader's access and the rows of the tenants they can see (the query string, a tenant filter).
    """
    try:
        key = _read_key(user, name, parts)
        hit = cache.get(key)
    except _FAILURES:
        logger.warning("Cache unavailable: %s computed uncached", name, exc_info=True)
        return compute()
    if hit is not None:
        return hit
    value = compute()
    try:
        cache.set(key, value, timeout)
    except _FAILURES:
        logger.warning("Cache unavailable: %s not stored", name, exc_info=True)
    return value


def _read_key(user, name, parts) -> str:
    release, access, scope = _get_many([_RELEASE, _ACCESS, _scope_key(user)])
    if release is None or access is None:
        release, access = _versions([_RELEASE, _ACCESS])
    if user.is_platform_admin:  # sees every tenant: any change is a change for them
        data = _versions([_ANY])
    else:
        if scope is not None and scope[0] == (release, access):
            tenants = scope[1]
        else:  # who may see what changed since: which tenants this user sees, asked again
            tenants = _visible_tenant_ids(user)
            cache.set(_scope_key(user), ((release, access), tenants), TIMEOUT)
        data = _versions([_tenant_key(tenant) for tenant in tenants])
    digest = hashlib.blake2b(digest_size=20)
    for piece in (user.pk, release, access, *data, "|", *parts):
        digest.update(str(piece).encode())
        digest.update(b"\0")
    return f"{_PREFIX}:read:{name}:{digest.hexdigest()}"


def _scope_key(user) -> str:
    return f"{_PREFIX}:scope:{user.pk}"


def _visible_tenant_ids(user) -> list[int]:
    return sorted(restrict(Tenant.objects.all(), user=user).values_list("pk", flat=True))


def _versions(keys: list[str]) -> list[int]:
    values = _get_many(keys)
    missing = [key for key, value in zip(keys, values, strict=True) if value is None]
    if not missing:
        return values
    _start_or_increment(missing, increment=False)
    found = dict(zip(missing, _get_many(missing), strict=True))
    # A version still missing (evicted at once) is a value never seen before: a miss, never a stale hit.
    return [
        value if value is not None else found[key] if found[key] is not None else time.time_ns()
        for key, value in zip(keys, values, strict=True)
    ]


def _get_many(keys: list[str]) -> list:
    """The values of ``keys`` in order, None where missing: one round trip."""
    values = redis_get_many(keys)
    if values is not None:
        return values
    found = cache.get_many(keys)
    return [found.get(key) for key in keys]


# --- Signals ----------------------------------------------------------------------------------


def connect() -> None:
    """Bump versions from model signals: every tenant-owned row, and everything that decides access."""

    for model in apps.get_models():
        receivers = []
        if issubclass(model, TenantOwned):
            receivers.append(_tenant_row_changed)
        if issubclass(model, Membership | Tenant | Group | UserObjectPermissionBase | GroupObjectPermissionBase):
            receivers.append(_access_row_changed)
        if model is Tenant:
            receivers.append(_tenant_changed)
        if model is User:
            receivers.append(_user_changed)
        for receiver in receivers:
            uid = f"freshness:{receiver.__name__}:{model._meta.label}"
            post_save.connect(receiver, sender=model, dispatch_uid=uid, weak=False)
            post_delete.connect(receiver, sender=model, dispatch_uid=uid, weak=False)
    m2m_changed.connect(_groups_changed, sender=User.groups.through, dispatch_uid="freshness:groups", weak=False)
    post_migrate.connect(_migrated, dispatch_uid="freshness:migrated", weak=False)


def _tenant_row_changed(sender, instance, **kwargs):
    tenants_changed([instance.tenant_id])


def _tenant_changed(sender, instance, **kwargs):
    tenants_changed([instance.pk])


def _access_row_changed(sender, instance, **kwargs):
    access_changed()


#: Saves of a user that change nothing any cached read shows or depends on.
_INVISIBLE_USER_FIELDS = frozenset({"last_login", "password"})


def _user_changed(sender, instance, update_fields=None, **kwargs):
    if update_fields is None or not set(update_fields) <= _INVISIBLE_USER_FIELDS:
        access_changed()


def _groups_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        access_changed()


def _migrated(sender, **kwargs):
    reset()
