"""Partners: the organizations and resident groups of a collaborative, and their profiles."""
