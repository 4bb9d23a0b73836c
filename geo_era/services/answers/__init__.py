"""Typed answers of the services: one pydantic model per answer and audience.

The models are allow-lists: a model names every field its audience may see, and a
field the core adds later is absent from every answer until someone adds it to a model.
A Link Officer's variants (``...Flags``, published reports) are separate models that
never declare a field the need-to-know matrix denies them.
"""

from geo_era.services.answers._base import Answer
from geo_era.services.answers.enquiries import (
    Confirmation,
    EnquiryAsRaised,
    EnquiryRaisedLine,
)
from geo_era.services.answers.homelessness import TransferRecord
from geo_era.services.answers.housing import AllocationFlags
from geo_era.services.answers.live_voids import LandlordVoids, VoidChanges
from geo_era.services.answers.mappa import PublishedMappaReport
from geo_era.services.answers.markers import SharedMarker
from geo_era.services.answers.notices import NoticeSent
from geo_era.services.answers.reports import PublishedReport

#: The answer a Link Officer gets from each operation the matrix gives them a restricted
#: view of (:data:`geo_era.security.access.MATRIX`, ``restricted_view``).
LINK_OFFICER_ANSWERS: dict[str, type[Answer]] = {
    "allocation_check": AllocationFlags,
    "overconcentration": PublishedReport,
    # the same published report's tables, as GeoPackage layers (no consent list, no
    # placements: :meth:`geo_era.overconcentration.report.Report.layers`)
    "report_geopackage": PublishedReport,
    "enquiry_record": EnquiryAsRaised,
    "enquiry_list": EnquiryRaisedLine,
    "enquiry_show": EnquiryAsRaised,
    "enquiry_confirm": Confirmation,
    "notice_record": NoticeSent,
    "notice_sent": NoticeSent,
    # housing staff and contractors (69-70): how to visit, never why
    "marker_shared": SharedMarker,
    "transfer_request": TransferRecord,
    "transfer_list": TransferRecord,
    # a landlord's own voids (5.3, 3.12): flags only, never who or why
    "void_publish": VoidChanges,
    "void_let": VoidChanges,
    "void_live": LandlordVoids,
    # the annual MAPPA figures (1.0): as published, whatever was asked
    "report_mappa": PublishedMappaReport,
}
