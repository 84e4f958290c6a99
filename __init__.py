from . import models
from . import wizards
from . import controllers
from . import reports
from .hooks import uninstall_hook
