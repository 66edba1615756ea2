"""Scenarios, Social Impact Bonds and the comparison of variants against a baseline."""
