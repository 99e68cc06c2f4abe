from households.import_admin import ImportJobAdmin  # noqa: F401  (roster import, registered there)
