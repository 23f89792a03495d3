"""Translations: names, definitions and labels in each of a collaborative's languages."""
