import factory
from django.conf import settings

from accounts.models import User
from projects.models import Project, RequirementsProfile
from tenancy.models import Industry, Membership, Role, Tenant


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Client {n}")
    slug = factory.Sequence(lambda n: f"client-{n}")
    industry = Industry.OTHER


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", settings.DEMO_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CUSTOMER_VIEWER


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    code = factory.Sequence(lambda n: f"PRJ-{n}")
    profile = factory.RelatedFactory(
        "tests.factories.RequirementsProfileFactory",
        factory_related_name="project",
        tenant=factory.SelfAttribute("..tenant"),
    )


class RequirementsProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequirementsProfile

    project = factory.SubFactory(ProjectFactory, profile=None)
    tenant = factory.SelfAttribute("project.tenant")


def member(tenant, role, **user_fields):
    """A new user holding ``role`` across ``tenant``."""
    user = UserFactory(**user_fields)
    MembershipFactory(tenant=tenant, user=user, role=role)
    return user
