from . import accountancy_intake_wizard
from . import accountancy_intake_wizard_result
from . import accountancy_approval_reject_wizard
from . import accountancy_strategy_recompute_wizard
