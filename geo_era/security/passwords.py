"""What a password must be (NCSC password guidance: length over complexity rules, and
a deny list of the most common and breached passwords).

A password is refused when it is:

- shorter than :data:`MIN_LENGTH` characters once spaces are set aside, or has fewer
  than :data:`MIN_DISTINCT` different characters (twelve spaces, ``aaaaaaaaaaaa``);
- one of the 30,000 most common passwords of the breach corpus zxcvbn ships
  (``zxcvbn.frequency_lists``, from leaked password lists; no network at run time);
- easy to guess in the way zxcvbn measures it (a common password with digits added, a
  keyboard walk, a repeated word, a name and a year: a score below
  :data:`MIN_SCORE` of 4);
- or it contains the username.

No composition rules (a capital, a digit, a symbol): a passphrase of several ordinary
words is what the messages recommend.
"""

from __future__ import annotations

from functools import cache

from geo_era.errors import DataError

MIN_LENGTH = 12
#: Fewest different characters a password may have.
MIN_DISTINCT = 5
#: Lowest zxcvbn score accepted (3: "safely unguessable", at least 10^8 guesses; 4 is
#: 10^10 and over).
MIN_SCORE = 3
#: zxcvbn's estimate is over at most this many characters (its own limit); a longer
#: password is judged by its beginning, and is long enough anyway.
_ESTIMATED = 72
ADVICE = ("a passphrase of three or four ordinary words is best, e.g. 'kettle orbit "
          "lantern moss'")


@cache
def common_passwords() -> frozenset[str]:
    """The deny list: zxcvbn's list of the most common passwords, lower case."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # noqa: PLC0415 (loaded on use)

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password(password: str, *, username: str = "") -> None:
    """Refuse a password that is too short, too simple, common, easy to guess or
    contains ``username``, with a :class:`DataError` saying which and what to do."""
    if len(password.strip()) < MIN_LENGTH or len(set(password)) < MIN_DISTINCT:
        raise DataError(f"the password is too short or too simple; use at least "
                        f"{MIN_LENGTH} characters, not only spaces or one repeated "
                        f"({ADVICE})")
    folded = password.casefold()
    name = username.strip().casefold()
    if len(name) >= 3 and name in folded:
        raise DataError(f"the password contains the username; choose one that does not "
                        f"({ADVICE})")
    if folded.strip() in common_passwords():
        raise DataError("the password is on a list of common passwords found in breaches; "
                        f"choose another ({ADVICE})")
    from zxcvbn import zxcvbn  # noqa: PLC0415 (its lists load on first use)

    found = zxcvbn(password[:_ESTIMATED], user_inputs=[name] if name else None)
    if int(found["score"]) < MIN_SCORE:
        warning = str(found["feedback"].get("warning") or "").rstrip(".")
        why = f" ({warning.lower()})" if warning else ""
        raise DataError(f"the password is too easy to guess{why}; choose another "
                        f"({ADVICE})")
