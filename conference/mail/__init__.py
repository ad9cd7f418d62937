"""Letters: an outbox row per letter, written in the transaction of the action that causes it, and sent after that
commits by a job (services.send_due) over SMTP (smtp.py), with retries, every attempt recorded."""
