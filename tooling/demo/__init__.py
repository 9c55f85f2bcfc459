"""The demo portfolio: clients like those the delivery organisation serves, their people and projects.

Everything goes through the services, so the demo has the stage history, approvals and audit
trail a real portfolio would have. ``load_demo`` is idempotent: a second run changes nothing.
"""

from tooling.demo.load import load_demo

__all__ = ["load_demo"]
