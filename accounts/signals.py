"""Signals accounts sends; reporting listens (README, "How the code is laid out")."""

from django.dispatch import Signal

# Sent on commit after a participant's status changed. Argument: participant_id.
participant_status_changed = Signal()
