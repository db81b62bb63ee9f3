"""Results on disk, each written whole through ``models.safe_output``.

The results folder, the results workbook, the HTML report and its charts, and the what-if,
sweep and alternatives files.
"""

from optimizer.outputs.alternatives_files import write_alternatives
from optimizer.outputs.report import write_report
from optimizer.outputs.results_io import summary, write_results
from optimizer.outputs.results_workbook import write_results_workbook
from optimizer.outputs.sweep_files import write_curve
from optimizer.outputs.whatif_files import write_comparison

__all__ = ["summary", "write_alternatives", "write_comparison", "write_curve", "write_report",
           "write_results", "write_results_workbook"]
