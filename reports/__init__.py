from . import accountancy_strategy_xlsx
