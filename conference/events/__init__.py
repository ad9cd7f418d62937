"""Conference editions (one Event row per annual event) and the organizer dashboard."""
