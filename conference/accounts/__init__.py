"""Staff users, their roles (admin, organizer, checkin) and logging in."""
