"""Stage 4 of a class: feedback pages, the grades CSV and the class report."""
