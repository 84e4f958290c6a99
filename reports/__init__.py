from . import accountancy_strategy_xlsx
from . import accountancy_capacity_xlsx
from . import accountancy_snapshot_report
