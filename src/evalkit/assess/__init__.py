"""Decisions: achievement, scorecard, cadence, acceptance, value for money, renewal."""
