"""The common agenda: domains (themes) and the population results the collaborative seeks."""
