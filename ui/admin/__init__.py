"""The admin area's pages, one module per page; each has `register(console)`."""
