# Arabic formats: Django's own (django/conf/locale/ar/formats.py), with the separators and grouping of
# CLDR's Arabic-Indic numbering system, the one the interface's Arabic follows (accounts/numerals.py).
DATE_FORMAT = "j F، Y"
TIME_FORMAT = "g:i A"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d‏/m‏/Y"
DECIMAL_SEPARATOR = "٫"
THOUSAND_SEPARATOR = "٬"
NUMBER_GROUPING = 3
