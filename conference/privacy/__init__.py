"""Personal data under 152-FZ: what is held about a participant, erasure, retention."""
