"""Files from outside geo_era read in a child process with limits.

An uploaded file, or one named on the command line, is untrusted: a few kilobytes can be
built to exhaust memory (a Parquet column that decompresses to gigabytes), to spin, or to
make a reader open other files or the network. :func:`read_files` therefore reads them
(:func:`geo_era.data.readers.read_layers`, content checked first) in a child process that

- may use at most :attr:`ImportLimits.memory_mb` of address space (``RLIMIT_AS``) and
  :attr:`ImportLimits.seconds` of CPU (``RLIMIT_CPU``) and of wall-clock time (the parent
  kills it then, and it dies with the parent), writes no core file and no file over a
  few times its memory limit;
- has no network: it runs in a network namespace of its own, with no interface up, where
  the kernel allows one (a user namespace for an unprivileged server); GDAL is told to
  fetch nothing either (below), which holds where no namespace can be made;
- has GDAL with only the drivers of the formats being read (``GDAL_SKIP``): no VRT, no
  database or web-service driver, no plug-in, ``/vsicurl/`` limited to a file extension no
  file has, SQLite/GeoPackage triggers and views kept from OGR functions;
- gets an environment of its own (no ``GEO_ERA_*`` setting, no secret key, no database
  URL), a private temporary folder as its home, and the limits of
  :class:`ImportLimits` on rows (``max_rows``).

What comes back is plain data: the child writes each layer it read as a Parquet file and
a JSON answer (layer names, problems) into the private folder, and the parent reads those
after checking them: no pickle, nothing of the child's objects. A child that runs out of
memory or time, or crashes, is reported as a problem with the file it was reading; the
parent's memory does not grow with the file.

Cost: a child starts Python and imports the readers, about 0.5 to 1 s on a 2-core machine
(``geo-era import`` of the demo town's files: 3.1 s before, 3.6 s with the child); an
OpenStreetMap file costs no more than before, as osmnx is imported in the child instead of
the server. Files that geo_era wrote itself (the demo town) are read in the process
(``limits=None``).
"""

from __future__ import annotations

import ctypes
import json
import logging
import math
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo_era.errors import ImportRefusedError, Problem, file_label

if TYPE_CHECKING:
    import pandas as pd

    from geo_era.data.readers import RawLayer
    from geo_era.settings import Settings

log = logging.getLogger(__name__)

#: GDAL configuration in the child: nothing fetched, nothing run, nothing written beside
#: the files (see the module docstring). ``GDAL_SKIP`` is added per job.
GDAL_CONFIG: dict[str, str] = {
    "GDAL_DRIVER_PATH": "disable",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".geo-era-never-fetched",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_NETRC": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_ALLOW_REMOTE_RESOURCE_TO_ACCESS_LOCAL_FILE": "NO",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "ALLOW_OGR_SQL_FUNCTIONS_FROM_TRIGGER_AND_VIEW": "NO",
    "ALLOW_VIRTUAL_OGR_FROM_TRIGGER_AND_VIEW": "NO",
    "SQLITE_USE_URI": "NO",
    "GDAL_PAM_ENABLED": "NO",
    "PROJ_NETWORK": "OFF",
}

#: The child's own environment besides GDAL's: one thread for the numeric libraries (each
#: thread reserves address space), UTF-8 text.
BASE_ENVIRONMENT: dict[str, str] = {
    "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONNOUSERSITE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}

#: Data folders a child may need to find, passed on when set.
PASSED_ON = ("PROJ_DATA", "PROJ_LIB", "GDAL_DATA")

_ANSWER = "answer.json"
_JOB = "job.json"
_READING = "reading"
#: Most bytes of a child's answer the parent reads.
_MAX_ANSWER_BYTES = 4 * 1024 * 1024
_LAYER_FILE = re.compile(r"layer-\d{1,6}\.parquet")
#: The task that reads files into layers.
READ_TASK = "geo_era.data.sandbox:read_task"
#: The child's exit code when it ran out of memory outside a file's reading.
_OUT_OF_MEMORY = 3
_PR_SET_PDEATHSIG = 1
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class ImportLimits:
    """What the child process reading one import may use.

    ``memory_mb``: address space in MiB; ``seconds``: CPU time and wall-clock time;
    ``max_rows``: rows of one layer (elements of an OpenStreetMap file).
    """

    memory_mb: int = 4096
    seconds: int = 300
    max_rows: int = 5_000_000

    @classmethod
    def of(cls, settings: Settings) -> ImportLimits:
        """The limits set by ``GEO_ERA_IMPORT_MEMORY_MB``, ``_SECONDS``, ``_MAX_ROWS``."""
        return cls(memory_mb=settings.import_memory_mb, seconds=settings.import_seconds,
                   max_rows=settings.import_max_rows)


class IsolationError(Exception):
    """The child did not answer: out of memory or time, or crashed. ``message`` says
    which (to follow a file name); ``file`` is the file it was reading, if known."""

    def __init__(self, message: str, file: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file


# --- the parent ------------------------------------------------------------------------


def read_files(paths: Sequence[Path], *, crs: str | None = None, layer: str | None = None,
               limits: ImportLimits | None) -> tuple[list[RawLayer], list[Problem]]:
    """Every layer of every file in ``paths``, and the problems of those that could not be
    read (each file's problems are independent of the others').

    With ``limits`` the files are read in a child process (the module docstring);
    ``None`` reads them in this process, for files geo_era wrote itself.
    """
    from geo_era.data.readers import read_layers  # noqa: PLC0415  (keeps the child light)

    if limits is None:
        raws: list[RawLayer] = []
        problems: list[Problem] = []
        for path in paths:
            try:
                raws.extend(read_layers(Path(path), layer=layer, crs=crs))
            except ImportRefusedError as exc:
                problems.extend(exc.problems)
        return raws, problems
    return _read_isolated([Path(p) for p in paths], crs=crs, layer=layer, limits=limits)


def _read_isolated(paths: list[Path], *, crs: str | None, layer: str | None,
                   limits: ImportLimits) -> tuple[list[RawLayer], list[Problem]]:
    from geo_era.data.sniff import GDAL_DRIVERS, kind_of  # noqa: PLC0415

    drivers = sorted({GDAL_DRIVERS[kind] for kind in map(kind_of, paths)
                      if kind in GDAL_DRIVERS})
    job = {"files": [str(p.absolute()) for p in paths], "crs": crs, "layer": layer,
           "max_rows": limits.max_rows, "memory_mb": limits.memory_mb}
    try:
        with run_isolated(READ_TASK, job, limits=limits, gdal_drivers=drivers) as (answer,
                                                                                folder):
            return _layers_of(answer, folder, names={p.name for p in paths}, limits=limits)
    except IsolationError as exc:
        return [], [Problem(exc.message, file=exc.file)]


@contextmanager
def run_isolated(task: str, job: Mapping[str, object], *, limits: ImportLimits,
                 gdal_drivers: Sequence[str] = ()) -> Iterator[tuple[dict[str, Any], Path]]:
    """Run ``task`` (``"module:function"``, called as ``function(job, folder)`` and
    returning a JSON object) in a child process within ``limits``, GDAL holding only
    ``gdal_drivers``; yield its answer and the private folder it wrote into (removed
    afterwards).

    Raises
    ------
    IsolationError
        The child ran out of memory or time, or crashed.
    """
    with tempfile.TemporaryDirectory(prefix="geo_era-import-") as name:
        folder = Path(name)
        (folder / _JOB).write_text(json.dumps({"task": task, "job": dict(job),
                                               "memory_mb": limits.memory_mb,
                                               "seconds": limits.seconds}), encoding="utf-8")
        code = _run_child(folder, limits, gdal_drivers)
        reading = _reading(folder)
        answer = _answer(folder)
        if answer is None or code != 0:
            raise IsolationError(_failure(code, limits), reading)
        if answer.get("network_isolated") is False:
            log.warning("import child: no network namespace could be made; GDAL's own "
                        "settings keep it offline")
        yield answer, folder


def _run_child(folder: Path, limits: ImportLimits, gdal_drivers: Sequence[str]) -> int:
    """Start the child, wait at most ``limits.seconds``; its exit code (negative: the
    signal that ended it)."""
    command = [sys.executable, "-m", "geo_era.data.sandbox", str(folder / _JOB)]
    process = subprocess.Popen(
        command, cwd=folder, env=child_environment(folder, gdal_drivers),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True, close_fds=True)
    try:
        return process.wait(timeout=limits.seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return -signal.SIGXCPU  # out of (wall-clock) time


def child_environment(folder: Path, gdal_drivers: Sequence[str]) -> dict[str, str]:
    """The child's whole environment: nothing of the server's but where Python finds
    geo_era and the data folders of PROJ and GDAL."""
    env = {**BASE_ENVIRONMENT, **GDAL_CONFIG, "PATH": os.defpath, "HOME": str(folder),
           "TMPDIR": str(folder), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env.update({name: os.environ[name] for name in PASSED_ON if name in os.environ})
    skipped = ",".join(d for d in _vector_drivers() if d not in set(gdal_drivers))
    env["GDAL_SKIP"] = env["OGR_SKIP"] = skipped
    return env


def _vector_drivers() -> list[str]:
    import pyogrio  # noqa: PLC0415

    return sorted(pyogrio.list_drivers())


def _reading(folder: Path) -> str | None:
    """The name of the file the child was reading when it stopped, if it said."""
    try:
        text = (folder / _READING).read_text(encoding="utf-8")[:300]
    except OSError:
        return None
    return file_label(text) if text else None


def _answer(folder: Path) -> dict[str, Any] | None:
    path = folder / _ANSWER
    try:
        if path.stat().st_size > _MAX_ANSWER_BYTES:
            return None
        answer = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return answer if isinstance(answer, dict) else None


def _failure(code: int, limits: ImportLimits) -> str:
    """What a child that ended with ``code`` and no answer ran into."""
    if code == -signal.SIGXCPU:
        return (f"took more than {limits.seconds:,} s to read, the most an import may take "
                "(GEO_ERA_IMPORT_SECONDS); it may be damaged or built to stall the server: "
                "check it, or split it")
    if code == -signal.SIGXFSZ:
        return ("would have made a temporary file larger than the import allows; it may "
                "be damaged or built to fill the disk: check it, or split it")
    if code in (_OUT_OF_MEMORY, -signal.SIGKILL, -signal.SIGABRT, -signal.SIGSEGV,
                -signal.SIGBUS):
        return (f"could not be read within {limits.memory_mb:,} MB of memory, the most an "
                "import may use (GEO_ERA_IMPORT_MEMORY_MB), or made the reader fail; it may "
                "be damaged or built to exhaust the server: check it, or split it")
    return ("could not be read: the reader stopped; check the file is complete and in the "
            "format its name says")


def _layers_of(answer: Mapping[str, Any], folder: Path, *, names: set[str],
               limits: ImportLimits) -> tuple[list[RawLayer], list[Problem]]:
    """The layers and problems of a child's answer, checked: the answer's shape, each
    layer's file among those read and its rows within the limit."""
    from geo_era.data.readers import RawLayer  # noqa: PLC0415

    try:
        problems = [_problem(item) for item in answer["problems"]]
        raws = []
        for item in answer["layers"]:
            file, layer, data = str(item["file"]), str(item["layer"]), str(item["data"])
            coordinates = item.get("coordinate_columns")
            if file not in names or not _LAYER_FILE.fullmatch(data):
                raise ValueError("a layer of a file not read")
            pair = (str(coordinates[0]), str(coordinates[1])) if coordinates else None
            frame = _read_frame(folder / data, limits.max_rows)
            raws.append(RawLayer(file, layer, frame, coordinate_columns=pair))
    except (KeyError, TypeError, ValueError, IndexError, OSError) as exc:
        log.error("import child answered out of form: %s", type(exc).__name__)
        raise IsolationError("could not be read: the reader answered out of form; check "
                             "the file is complete and in the format its name says",
                             None) from None
    return raws, problems


def _problem(item: Mapping[str, Any]) -> Problem:
    def text(key: str) -> str | None:
        value = item.get(key)
        return None if value is None else str(value)

    row = item.get("row")
    return Problem(str(item["message"])[:2000], file=text("file"), layer=text("layer"),
                   row=int(row) if row is not None else None, column=text("column"))


def _read_frame(path: Path, max_rows: int) -> pd.DataFrame:
    """A layer the child wrote, its row count checked before it is read."""
    import geopandas as gpd  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    parquet = pq.ParquetFile(path)
    if parquet.metadata.num_rows > max_rows:
        raise ValueError("more rows than the limit")
    frame: pd.DataFrame = (gpd.read_parquet(path)
                           if b"geo" in (parquet.schema_arrow.metadata or {})
                           else pd.read_parquet(path))
    return frame


# --- the child -------------------------------------------------------------------------


def read_task(job: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    """In the child: read each file of ``job`` and write its layers into ``folder``."""
    from geo_era.data.readers import read_layers  # noqa: PLC0415

    layers: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for name in job["files"]:
        path = Path(name)
        (folder / _READING).write_text(path.name, encoding="utf-8")
        try:
            raws = read_layers(path, layer=job["layer"], crs=job["crs"],
                               max_rows=job["max_rows"])
            for raw in raws:
                layers.append(_write_layer(raw, folder / f"layer-{len(layers)}.parquet"))
        except ImportRefusedError as exc:
            problems.extend(exc.problems)
        except MemoryError:
            problems.append(Problem(
                f"could not be read within {job['memory_mb']:,} MB of memory, the most an "
                "import may use (GEO_ERA_IMPORT_MEMORY_MB); it may be damaged or built to "
                "exhaust the server: check it, or split it", file=path.name))
        except Exception as exc:
            problems.append(Problem(
                f"could not be read ({type(exc).__name__}); check the file is complete and "
                "in the format its name says", file=path.name))
    (folder / _READING).unlink(missing_ok=True)
    return {"layers": layers, "problems": [asdict(p) for p in problems]}


def _write_layer(raw: RawLayer, out: Path) -> dict[str, Any]:
    """Write one layer as Parquet for the parent; its entry in the answer."""
    frame = raw.frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    if frame.columns.duplicated().any():
        raise ImportRefusedError([Problem("has two columns of the same name; rename one",
                                          file=raw.file, layer=raw.layer)])
    try:
        frame.to_parquet(out)
    except (TypeError, ValueError, ArithmeticError):  # pyarrow's errors are ValueErrors
        frame = _as_text(frame)
        frame.to_parquet(out)
    return {"file": raw.file, "layer": raw.layer, "data": out.name,
            "coordinate_columns": list(raw.coordinate_columns or ()) or None}


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each column of mixed Python objects (which Parquet cannot hold) as
    text, missing values kept missing."""
    import pandas as pd  # noqa: PLC0415

    def text(value: object) -> object:
        if value is None or isinstance(value, str):
            return value
        if value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
            return None
        return str(value)

    geometry = getattr(frame, "_geometry_column_name", None)
    out = frame.copy()
    for column in out.columns:
        if column != geometry and out[column].dtype == object:
            out[column] = out[column].map(text)
    return out


def _isolate() -> bool:
    """Move this process into a network namespace of its own (no interface up): a new
    network namespace alone where allowed (root), else with a new user namespace. Must
    run while the process has one thread. Also ask to be killed if the parent dies.
    Whether the namespace was made."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    return any(libc.unshare(flags) == 0
               for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))


def _limit(memory_mb: int, seconds: int) -> None:
    """Limit this process: address space, CPU seconds, no core file, file size."""
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (4 * memory, 4 * memory))


def main(argv: Sequence[str]) -> int:
    """The child: ``python -m geo_era.data.sandbox FOLDER/job.json``."""
    job_file = Path(argv[1])
    folder = job_file.parent
    spec = json.loads(job_file.read_text(encoding="utf-8"))
    isolated = _isolate()
    _limit(int(spec["memory_mb"]), int(spec["seconds"]))
    module, _, function = str(spec["task"]).partition(":")
    try:
        answer = getattr(import_module(module), function)(spec["job"], folder)
    except MemoryError:
        return _OUT_OF_MEMORY
    answer["network_isolated"] = isolated
    partial = folder / (_ANSWER + ".part")
    partial.write_text(json.dumps(answer), encoding="utf-8")
    partial.replace(folder / _ANSWER)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
