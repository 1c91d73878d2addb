"""Drives a running Streetwise host with the `georeport` client from PyPI (0.3.1).

Usage: client.py ROOT API_KEY, ROOT being the host's `/open311/v2` address. Posts a request
form-encoded (georeport cannot post), then reads services and requests back with the client
in JSON and in XML, and prints one JSON line of what it saw for the Rust test to check.

georeport never sends an api_key (the constructor keeps it unused), so the key goes in the
root address as HTTP Basic user info, which `requests` sends with every call. Its XML reading
returns a dict instead of a list when a list holds one element (xmltodict), and fails on an
empty list; both are handled here.
"""

import json
import sys
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from georeport import GeoReport


def as_list(value):
    return value if isinstance(value, list) else [value]


def main():
    root, key = sys.argv[1], sys.argv[2]
    posted = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": key,
            "service_code": "01-001",
            "lat": "22.78",
            "long": "114.315",
            "description": "坪地街道路边有暴露垃圾，很多天没人清理",
        },
    )
    posted.raise_for_status()
    request_id = posted.json()[0]["service_request_id"]

    parts = urlsplit(root)
    with_key = urlunsplit(parts._replace(netloc=f"open311:{quote(key, safe='')}@{parts.netloc}"))
    report = {"service_request_id": request_id}
    for output_format in ("json", "xml"):
        client = GeoReport(with_key, output_format=output_format)
        services = as_list(client.get_service_list())
        names = {s["service_code"]: s["service_name"] for s in services}
        assert names["01-001"] == "暴露垃圾", names.get("01-001")
        definition = client.get_service_definition("01-001")
        attributes = as_list(definition["attributes"]) if output_format == "json" \
            else as_list(definition["attributes"]["attribute"])
        assert attributes[0]["code"] == "handling_requirements", attributes
        listed = as_list(client.get_service_requests(service_request_id=request_id))
        one = client.get_service_request(request_id)
        report[output_format] = {
            "services": len(services),
            "listed": any(r["service_request_id"] == request_id for r in listed),
            "status": one["status"],
            "agency_responsible": one["agency_responsible"],
        }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
