"""Reminders: `flask reminders send` asks site admins to confirm statuses (`sending.py`)."""
