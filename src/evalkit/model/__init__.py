"""What the project promises: logic model, indicators, scorecard and contract specifications."""
