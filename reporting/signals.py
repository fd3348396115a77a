"""Signals reporting sends; analytics listens (README, "How the code is laid out")."""

from django.dispatch import Signal

# Sent on commit after a return's records or status changed, so derived data can be rebuilt.
# Argument: return_id. The change is also in ReturnOutbox, so nothing is lost if no one hears it.
return_changed = Signal()
