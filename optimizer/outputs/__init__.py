"""Results on disk: the results folder, the results workbook, the HTML report and its charts, the what-if comparison files."""
