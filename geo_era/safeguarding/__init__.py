"""Safeguarding work around housing (NASSO 5.4, paragraphs 67-71; the Dorset MAPPA
procedure): enquiries and concerns, staff-safety markers, disclosure decisions and child
protection links. Framework-free: the services (:mod:`geo_era.services`) own need to know
and audit; these modules hold the rules and the records."""
