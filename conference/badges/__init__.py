"""Badge tokens, QR codes, badge layouts and printing them one by one or in bulk."""
