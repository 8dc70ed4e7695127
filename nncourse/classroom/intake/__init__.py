"""Stage 2 of a class: collecting submissions (the exchange or an LMS's zips)."""
