"""The SSRF guard on webhook targets, outside development: every spelling of a loopback or private
address is refused when the webhook is saved, and so is a name that resolves to one."""

import pytest
from django.core.exceptions import ValidationError

from webhooks import services as webhook_services
from webhooks.models import WebhookEndpoint
from webhooks.targets import check_target

pytestmark = pytest.mark.django_db

#: The fake DNS for this module: host name → addresses.
NAMES = {
    "hooks.public.test": ["93.184.216.34"],
    "internal.public.test": ["10.0.0.7"],
    "mixed.public.test": ["93.184.216.34", "192.168.1.20"],
    "v6loop.public.test": ["::1"],
}


def resolve(host, port):
    if host not in NAMES:
        raise OSError(f"{host} does not resolve")
    return NAMES[host]


@pytest.fixture(autouse=True)
def production(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://[0:0:0:0:0:0:0:1]/hook",
        "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped IPv6
        "http://[::ffff:7f00:1]/hook",
        "http://[::ffff:a9fe:a9fe]/latest",  # the metadata address, mapped
        "http://[::127.0.0.1]/hook",  # IPv4-compatible IPv6 (deprecated)
        "http://[64:ff9b::7f00:1]/hook",  # NAT64 to 127.0.0.1
        "http://[64:ff9b::a00:1]/hook",  # NAT64 to 10.0.0.1
        "http://[2002:7f00:1::1]/hook",  # 6to4 around 127.0.0.1
        "http://[2002:c0a8:101::1]/hook",  # 6to4 around 192.168.1.1
        "http://2130706433/hook",  # 127.0.0.1 in decimal
        "http://0x7f000001/hook",  # in hexadecimal
        "http://0177.0.0.1/hook",  # octal first part
        "http://127.1/hook",  # short form
        "http://0/hook",
        "http://0.0.0.0/hook",
        "http://[::]/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
        "http://[fc00::1]/hook",
        "http://[fe80::1]/hook",
        "http://224.0.0.1/hook",
        "http://internal.public.test/hook",
        "http://mixed.public.test/hook",  # one private address among public ones is enough
        "http://v6loop.public.test/hook",
    ],
)
def test_a_private_or_loopback_target_is_refused_when_saved(tenant, people, settings, url):
    settings.WEBHOOK_RESOLVER = "tests.webhooks.test_targets.resolve_or_system"
    with pytest.raises(ValidationError) as error:
        webhook_services.endpoint_save(tenant=tenant, actor=people["admin"], url=url)
    assert list(error.value.message_dict) == ["url"]
    assert not WebhookEndpoint.objects.exists()


def resolve_or_system(host, port):
    """The fake names above, and the system's resolver for addresses written as such."""
    from webhooks.targets import dns_resolve

    return NAMES[host] if host in NAMES else dns_resolve(host, port)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.public.test/hook",
        "http://93.184.216.34/hook",
        "http://[2606:2800:220:1:248:1893:25c8:1946]/hook",
        "http://[64:ff9b::5db8:d822]/hook",  # NAT64 to a public address
        "http://[2002:5db8:d822::1]/hook",  # 6to4 around a public address
    ],
)
def test_a_public_target_is_accepted(settings, url):
    settings.WEBHOOK_RESOLVER = "tests.webhooks.test_targets.resolve"
    NAMES.setdefault("93.184.216.34", ["93.184.216.34"])
    NAMES.setdefault("2606:2800:220:1:248:1893:25c8:1946", ["2606:2800:220:1:248:1893:25c8:1946"])
    NAMES.setdefault("64:ff9b::5db8:d822", ["64:ff9b::5db8:d822"])
    NAMES.setdefault("2002:5db8:d822::1", ["2002:5db8:d822::1"])
    assert check_target(url).addresses


def test_in_development_a_local_receiver_is_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    assert check_target("http://127.0.0.1:8001/hook").addresses == ("127.0.0.1",)
