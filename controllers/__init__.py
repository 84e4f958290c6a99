from . import ical_feed
from . import relation_lookup
from . import sale_portal
