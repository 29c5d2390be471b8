"""Development tools: never in the wheel (pyproject packages)."""
