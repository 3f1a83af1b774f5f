"""Panels, models, delegates and dialogs of the window."""
