"""Invitations: single-use, expiring codes that bring people into a collaborative."""
