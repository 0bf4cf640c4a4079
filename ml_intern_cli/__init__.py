"""``ml-intern``: a command-line client of the ML Intern API. It speaks HTTP to a deployment and imports nothing
from the server's code."""
