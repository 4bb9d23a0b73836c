"""The use-cases of geo_era: the one place where need to know (NASSO information
sharing) and the audit trail (DPA 2018 Part 3, s62) are enforced.

Every interface (the ``geo-era`` command line, the HTTP API, the pages) calls these
services and nothing below them for anything that touches a subject, a victim, a case
or a neighbour's household. A service:

1. admits the caller for the operation (:meth:`Gate.admit`): the role must be allowed by
   :data:`geo_era.security.access.MATRIX`, a refusal of an audited operation is itself
   audited, and council staff are confined to their own council;
2. requires the justification where a sensitive record is consulted;
3. calls the core (through :class:`~geo_era.workspace.Workspace` for the spatial
   questions) and writes exactly one audit entry, in the transaction of the data it
   reads or changes;
4. returns a typed answer (:mod:`geo_era.services.answers`) of the variant the caller
   may see: a field a role may not see does not exist in that role's model.

Because the CLI and the API call the same service, the same operation leaves the same
audit entry whichever door it came through (apart from who and when).
"""

from geo_era.services.context import Services
from geo_era.services.policy import Admitted, Caller, Gate

__all__ = ["Admitted", "Caller", "Gate", "Services"]
