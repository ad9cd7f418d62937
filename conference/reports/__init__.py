"""Statistics and the post-event report: attendance by region, kind and session, arrivals, recommendations."""
