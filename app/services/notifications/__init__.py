"""Notifications: the inbox, delivery settings, mail and webhook deliveries."""
