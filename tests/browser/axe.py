"""axe-core in the browser tests, as axe-playwright-python ships it (requirements/dev.txt). Playwright
injects the engine through the DevTools protocol, which the pages' content security policy does not
govern, so the pages are checked under the very policy they are served with."""

from axe_playwright_python.sync_playwright import Axe

#: Violations of these impacts fail a page.
FAILING = frozenset({"serious", "critical"})

_axe = Axe()


def serious_violations(page) -> list[str]:
    """Each serious or critical violation on ``page``: the rule, its impact and where it was found."""
    found = _axe.run(page).response["violations"]
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + "; ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:5])
        for violation in found
        if violation["impact"] in FAILING
    ]
