"""What the audit log announces, for the rooms that act on events without the log knowing them.

``event_recorded(sender=AuditEvent, event=...)`` is sent inside the transaction that records the
event: a listener's own writes commit or roll back with the change (webhooks queue their
deliveries only once it commits).
"""

from django.dispatch import Signal

event_recorded = Signal()
