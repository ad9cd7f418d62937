"""Files prepared by a job (a big batch of badges, the report of a large event): the page that asks for one shows
its progress and offers it when ready; it is kept for a while (PREPARED_FILE_HOURS) and can be prepared again."""
