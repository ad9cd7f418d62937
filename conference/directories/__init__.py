"""Reference data: federal districts and subjects, countries, organization types."""
