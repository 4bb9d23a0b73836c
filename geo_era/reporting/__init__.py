"""Management information for the Responsible Authorities (NASSO 1.0, MAPPA guidance):
the annual MAPPA figures, ERA performance, and the ViSOR extract of a decided case.

Framework-free: each module reads the case store and the layers it is given and
returns typed tables; the services layer admits the caller and audits the reading.
Published figures go through the disclosure control of
:mod:`geo_era.overconcentration.disclosure`.
"""
