"""What one request may ask: document size, tokens, aliases, depth and cost, checked before
anything runs, with the cost reported in every answer's `extensions`."""
