"""What the results say: Tables 1 and 3, bootstrap intervals and contrasts over seeds, the claims table, the
reproduction check against the committed results, the plots and the HTML report."""
