"""The deadlines of the firm's fiscal calendar: the one place where each rule
lives. Pure functions of dates, so that they are tested date by date.

A deadline is the last day on which the return or filing is on time.
"""

import calendar
import math
from datetime import date, timedelta

from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# Tax of each return the fiscal calendar plans.
TAXES = [
    ("ib", "Income tax (IB)"),
    ("vpb", "Corporate tax (VPB)"),
    ("payroll", "Payroll tax"),
    ("kvk", "KvK filing"),
]
DEADLINE_TYPES = [
    ("regular", "Regular"),
    ("deferral", "Deferral"),
]
PAYROLL_FREQUENCIES = [
    ("none", "None"),
    ("month", "Monthly"),
    ("four_weeks", "Four-weekly"),
]
KVK_PREPARATION_MONTHS = 5
KVK_EXTENSION_MONTHS = 5
KVK_ADOPTION_MONTHS = 2
KVK_FILING_DAYS_AFTER_ADOPTION = 8


def last_day(year, month):
    """Last day of ``month`` of ``year``; months past 12 run into later years."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def year_end_date(year, month=12, day=31):
    """The financial year end in ``year``; 29 February stands for the last day
    of February, so that a year ending on it ends on 28 February in other
    years. Raises ValueError for anything that is not a day of the month."""
    if month == 2 and day == 29:
        return last_day(year, 2)
    return date(year, month, day)


def is_valid_year_end(month, day):
    """Whether (``month``, ``day``) is a day on which a financial year can end
    in every year (29 February counts: see ``year_end_date``)."""
    if not (isinstance(month, int) and isinstance(day, int)):
        return False
    if not 1 <= month <= 12 or day < 1:
        return False
    return day <= calendar.monthrange(2024, month)[1]  # 2024: a leap year


def add_months(day, months):
    """``day`` plus ``months``; from a month end to the end of the later month
    (30 June + 5 months = 30 November, 28 February + 5 = 31 July), otherwise
    the same day of the month, or that month's last day when it is shorter."""
    if day == last_day(day.year, day.month):
        return last_day(day.year, day.month + months)
    target_end = last_day(day.year, day.month + months)
    return target_end.replace(day=min(day.day, target_end.day))


def is_calendar_year(year_end):
    return (year_end.month, year_end.day) == (12, 31)


# Income tax (IB) of year X: file before 1 May of X+1; on the firm's deferral
# list (Uitstelregeling belastingconsulenten) the ultimate deferral date is
# 1 May of X+2 for tax periods ending 31 December X.
# Sources: https://www.nu.nl/belastingaangifte/5236493/doe-als-geen-tijd-belastingaangifte-hebt.html
# (regular term) and, from the Belastingdienst's announcement,
# https://www.taxlive.nl/nl/documenten/nieuws/vanaf-belastingjaar-2020-geen-inleverschema-s-meer-voor-de-uitstelregeling/
def ib_deadline(tax_year, deferral=False):
    if deferral:
        return date(tax_year + 2, 5, 1)
    return date(tax_year + 1, 4, 30)


# Corporate tax (VPB): within 5 months after the end of the financial year.
# On the deferral list, a year ending 31 December X gets 1 May of X+2 (source
# as for IB); short and broken years (not ending on 31 December) get 5 months
# of deferral, are answered per RSIN and do not count in the filing schedule:
# http://uitstelregeling-belastingconsulenten.nl/bijzonderheden
def vpb_deadline(year_end, deferral=False):
    regular = add_months(year_end, 5)
    if not deferral:
        return regular
    if is_calendar_year(year_end):
        return date(year_end.year + 2, 5, 1)
    return add_months(regular, 5)


def in_deferral_schedule(tax, year_end):
    """Whether a deferred return counts in the firm's filing schedule: IB
    always, VPB only for a financial year ending on 31 December."""
    return tax == "ib" or (tax == "vpb" and is_calendar_year(year_end))


# Payroll tax (loonheffingen): a return per calendar month or per four-week
# period (aangiftetijdvak), filed and paid within one month after the period
# ends: a month's return by the end of the next month, a four-week period's
# on the same day of the next month (period 1 of 2014, 1 to 26 January: 26
# February; period 2, 27 January to 23 February: 23 March). The four-week
# periods are blocks of four weeks (Monday to Sunday, ISO weeks 1-4, 5-8...);
# the first starts on 1 January and the thirteenth ends on 31 December, so
# that those two are shorter or longer than four weeks. The dates of each
# employer are in the Belastingdienst's yearly "aangiftebrief".
# Sources: the Belastingdienst's announcement "Wijziging aangiftetijdvak
# loonheffingen", https://www.belastingraadgevers.nl/artikel/149-jaargang-3/nummer-35/999-6-wijziging-aangiftetijdvak-loonheffingen-voor-14-december-doorgeven
# (periods of a month or 4 weeks; the first starts on 1 January, the last ends
# on 31 December), the 2014 dates of the aangiftebrief at
# https://acmo.com/2013/11/30/aangiften-loonheffingen-2014-betaaldatum-aangiftedatum-en-betalingskenmerk/
# and https://fundamentvoor.nl/node/46617 (return and payment within a month
# after the period); the Belastingdienst's page
# https://www.belastingdienst.nl/wps/wcm/connect/bldcontentnl/belastingdienst/zakelijk/internationaal/personeel/u_bent_niet_in_nederland_gevestigd_loonheffingen_inhouden/als_u_loonheffingen_gaat_inhouden/loonheffingen_aangeven_en_betalen/
# (a return once a month or once every 4 weeks; chapter 13 of the Handboek
# Loonheffingen).
PAYROLL_FOUR_WEEK_PERIODS = 13


def payroll_periods(year, frequency):
    """[(period number, first day, last day)] of ``year``: 12 months, or 13
    four-week periods: period n ends on the Sunday of ISO week 4n, the first
    starts on 1 January and the last ends on 31 December."""
    if frequency == "month":
        return [(m, date(year, m, 1), last_day(year, m)) for m in range(1, 13)]
    if frequency == "four_weeks":
        periods = []
        start = date(year, 1, 1)
        for number in range(1, PAYROLL_FOUR_WEEK_PERIODS + 1):
            if number == PAYROLL_FOUR_WEEK_PERIODS:
                end = date(year, 12, 31)
            else:
                end = date.fromisocalendar(year, 4 * number, 7)
            periods.append((number, start, end))
            start = end + timedelta(days=1)
        return periods
    return []


def payroll_deadline(period_end, frequency):
    if frequency == "four_weeks":
        return add_months(period_end, 1)
    return last_day(period_end.year, period_end.month + 1)


# Annual accounts of a bv/nv (BW 2:210, 2:394): prepared within 5 months after
# the year end, extendable by at most 5 months by the general meeting; the
# shareholders then have 2 months to adopt them; filed with the KvK within 8
# days after adoption and, when not adopted in time, the provisional accounts
# within 7 months (12 when extended) after the year end: for a calendar year
# 31 July, or 31 December with the extension. Sources: the KvK,
# https://www.kvk.nl/inschrijven-en-wijzigen/deponeren/jaarrekening-deponeren/wat-is-de-uiterste-termijn/
# and https://www.confianza.nl/post/2018/12/11/deponeer-jaarstukken-op-tijd
def kvk_preparation_deadline(year_end, extended=False):
    months = KVK_PREPARATION_MONTHS + (KVK_EXTENSION_MONTHS if extended else 0)
    return add_months(year_end, months)


def kvk_filing_deadline(year_end, adopted_on=None, extended=False):
    latest = add_months(
        kvk_preparation_deadline(year_end, extended), KVK_ADOPTION_MONTHS
    )
    if adopted_on:
        return min(adopted_on + timedelta(days=KVK_FILING_DAYS_AFTER_ADOPTION), latest)
    return latest


# What is filed with the KvK per size class (BW 2:395a-397).
KVK_FILED_DOCUMENTS = {
    "micro": _lt("balance sheet and a few notes"),
    "small": _lt("abridged balance sheet and notes"),
    "medium": _lt(
        "balance sheet, abridged profit and loss account, notes and management report"
    ),
    "large": _lt("full annual accounts, management report and auditor's report"),
}


# The filing schedule of the deferral list (inleververwachting): the share
# that must have been filed by the end of each filing period (inleverperiode):
# the first runs from April to August of X+1 (30 %), then one per month up to
# April of X+2 (100 %). The monitor shows every month end from May of X+1; the
# ones inside the first period (May, June, July) require nothing yet. More
# than 5 % of the total behind at a period's end leads to warnings, an order
# to file and sanctions. Sources: the Belastingdienst's announcement via
# Taxlive, https://www.taxlive.nl/nl/documenten/nieuws/vanaf-belastingjaar-2020-geen-inleverschema-s-meer-voor-de-uitstelregeling/
# ("April/mei/juni/juli/aug. 2021 30,00%", "voor het eind van iedere
# inleverperiode"), https://taxence.nl/?p=54280 and
# http://uitstelregeling-belastingconsulenten.nl/bijzonderheden
SCHEDULE = [
    (1, 5, 0.0),
    (1, 6, 0.0),
    (1, 7, 0.0),
    (1, 8, 30.0),
    (1, 9, 38.75),
    (1, 10, 47.5),
    (1, 11, 56.25),
    (1, 12, 65.0),
    (2, 1, 73.75),
    (2, 2, 82.5),
    (2, 3, 91.25),
    (2, 4, 100.0),
]
BEHIND_MARGIN = 5.0


def schedule_month_ends(tax_year):
    """[(month end, required cumulative percentage)] of the tax year's list."""
    return [
        (last_day(tax_year + offset, month), percentage)
        for offset, month, percentage in SCHEDULE
    ]


def schedule_status(total, filed, required_percentage):
    """(number of returns behind, status) at a month end: on track, behind,
    or more than 5 % of the total behind."""
    expected = total * required_percentage / 100.0
    # Whole returns: 2.1 expected and 2 filed is one return behind.
    behind = max(0, math.ceil(round(expected - filed, 6)))
    if not behind:
        return 0, "on_track"
    if expected - filed > total * BEHIND_MARGIN / 100.0:
        return behind, "far_behind"
    return behind, "behind"


SCHEDULE_STATUSES = [
    ("on_track", "On track"),
    ("behind", "Behind"),
    ("far_behind", "More than 5 % behind"),
]
