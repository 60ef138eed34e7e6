"""Effects: pre/post and difference-in-differences estimators sharing one result type."""
