"""Answers about the layers and the service itself: an import, the layers held, who is
asking, whether the service is up, and a sign-in token."""

from __future__ import annotations

from geo_era.services.answers._base import Answer


class ImportReport(Answer):
    """What an import changed: the new data version and the rows of each layer."""

    data_version: int
    rows: dict[str, int]
    #: the file each layer came from
    sources: dict[str, list[str]]
    skipped: list[str]
    #: notices about derived values (a floor read from an address, a type guessed)
    notices: list[str]


class CareServicesImport(ImportReport):
    """A Care Inspectorate import: the sites layer written, the services placed by
    category, and every row left out with its row number and why (never guessed)."""

    #: rows in the datastore file
    datastore_rows: int
    #: services placed, by site category
    placed: dict[str, int]
    #: each row that could not be placed: "file 'x.csv', row 7, column 'Service_Postcode':
    #: postcode 'ZZ9 9ZZ' is not in the postcode file"
    left_out: list[str]


class AddressBaseImport(ImportReport):
    """An AddressBase import: the properties layer written from the dwellings of an
    AddressBase Plus or Premium file, by property type, and the records dropped by class
    (not dwellings, or BLPUs gone or only planned)."""

    #: ``plus`` or ``premium``
    product: str
    #: records in the file
    records: int
    #: dwellings imported by property type (``untyped``: typed by geo_era from the building)
    dwellings: dict[str, int]
    #: records dropped, by class (``state 4``: no longer existing, ``state 6``: planned)
    dropped: dict[str, int]


class LayerInfo(Answer):
    """One stored layer: its version, rows, source files and when it was imported."""

    version: int
    rows: int
    sources: list[str]
    imported_at: str


class Layers(Answer):
    """The layers in ``GEO_ERA_HOME``, by name."""

    data_version: int
    layers: dict[str, LayerInfo]


class Me(Answer):
    """Who is asking: username, role and organisation."""

    username: str
    role: str
    organisation: str


class Health(Answer):
    """Liveness: the service answers, and its version."""

    status: str
    version: str


class Token(Answer):
    """A short-lived bearer token (OAuth2 password flow)."""

    access_token: str
    token_type: str
    #: seconds
    expires_in: int


class SignedOut(Answer):
    """Signing out: whether a session was ended (``false`` when the token was already
    not valid: signed out, expired, or never issued)."""

    ended: bool


class ProductImport(ImportReport):
    """An import of a national product (OS MasterMap Topography Layer buildings, RoS
    INSPIRE polygons as plots, school locations as sites): the features read, those
    taken, and every one left out with why (never guessed)."""

    #: ``mastermap``, ``inspire``, ``schools`` or ``osm`` (features: rows streamed)
    product: str
    #: features (rows) in the product's files
    features: int
    #: features taken into the layer
    taken: int
    #: each feature left out: "file 'x.gml', layer 'CadastralParcel', row 7: parcel ...
    #: left out: no address or building inside"
    left_out: list[str]
