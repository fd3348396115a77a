"""Signals accounts sends; reporting listens (STYLE.md section 4)."""

from django.dispatch import Signal

# Sent on commit after a participant's status changed. Argument: participant_id.
participant_status_changed = Signal()
