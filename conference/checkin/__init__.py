"""Check-in: scanning badges at the entrance and at session doors, device tokens, live arrivals."""
