"""Signals reporting sends; analytics listens (README, "How the code is laid out")."""

from django.dispatch import Signal

# Sent on commit after a return's records or status changed, so derived data can be rebuilt.
# Argument: return_id. The change is also in ReturnOutbox, so nothing is lost if no one hears it.
return_changed = Signal()

# Sent by seed_demo after the demo data set is loaded. The load writes rows directly, past the
# outbox, so whatever is derived from them is rebuilt by the apps listening. A receiver may return
# a line for the command to print.
demo_seeded = Signal()
