"""Rooms, sessions, speakers and moderators, clash detection, the public program, calendars and session sign-up."""
