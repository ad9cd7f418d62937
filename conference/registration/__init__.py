"""Public registration, the private self-service link, participant administration and exports."""
