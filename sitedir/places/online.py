"""Optional online geocoding of full street addresses, through geopy (off by default).

The offline gazetteer answers towns, postcodes and codes; a street address needs an
online service: the Base Adresse Nationale (BAN) or Nominatim, chosen by configuration.
Answers are cached per process; a service that cannot be reached raises
GeocoderUnavailable, which the API turns into a 503.
"""

from dataclasses import dataclass

from geopy.exc import GeopyError
from geopy.geocoders import BANFrance, Nominatim

from sitedir.domain.lru import LRU, MISSING

SERVICES = ("ban", "nominatim")
USER_AGENT = "sitedir referral directory"


class GeocoderUnavailable(Exception):
    """The online geocoding service did not answer in time, or answered an error."""


@dataclass(frozen=True, slots=True)
class Address:
    """A geocoded address: the service's label for it, and its point."""

    label: str
    latitude: float
    longitude: float


class OnlineGeocoder:
    """A geopy geocoder with a timeout and a small per-process cache."""

    def __init__(
        self,
        service: str,
        domain: str | None = None,
        scheme: str = "https",
        timeout: float = 3.0,
        cache_size: int = 1024,
    ):
        if service not in SERVICES:
            raise ValueError(f"unknown geocoding service {service!r}: use one of {SERVICES}")
        options = {"scheme": scheme, "timeout": timeout}
        if domain:
            options["domain"] = domain
        if service == "ban":
            self._geocoder = BANFrance(**options)
        else:
            self._geocoder = Nominatim(user_agent=USER_AGENT, **options)
        self.service = service
        self._cache = LRU(cache_size)  # answers, and addresses the service does not know

    def locate(self, address: str) -> Address | None:
        """Return the address's point, or None when the service knows no such address.

        Raises GeocoderUnavailable when the service cannot be reached or fails.
        """
        key = " ".join(address.lower().split())
        cached = self._cache.get(key)
        if cached is not MISSING:
            return cached
        try:
            found = self._geocoder.geocode(address, exactly_one=True)
        except GeopyError as exc:
            raise GeocoderUnavailable(f"{self.service}: {type(exc).__name__}") from exc
        answer = Address(found.address, found.latitude, found.longitude) if found else None
        self._cache.put(key, answer)
        return answer
