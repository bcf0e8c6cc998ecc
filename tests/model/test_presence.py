"""The presence rules (issue 31, item 2): WCAG contrast with white text at the 4.5:1 boundary,
bare origins only (they go into a ``frame-ancestors`` header), logos by their bytes."""

from __future__ import annotations

import pytest

from geo_clsm.model.errors import InvalidInputError
from geo_clsm.model.presence import check_colour, check_logo, check_origin, check_presence, contrast_with_white


def test_contrast_at_the_boundary() -> None:
    assert contrast_with_white("#000000") == pytest.approx(21.0)
    assert contrast_with_white("#ffffff") == pytest.approx(1.0)
    assert contrast_with_white("#767676") == pytest.approx(4.54, abs=0.01)  # the lightest grey that passes
    assert check_colour("#767676") == "#767676"
    with pytest.raises(InvalidInputError, match=r"contraste 4\.5:1"):
        check_colour("#777777")  # 4.48:1


@pytest.mark.parametrize(
    "origin",
    [
        "https://a.example/path",
        "https://a.example; script-src *",
        "https://a.example?x=1",
        "http://clsm.example",  # http only for the machine itself
        "https://user@a.example",
        "javascript:alert(1)",
        "*",
        "'self'",
        "https://a.example:99999",
    ],
)
def test_only_bare_origins(origin: str) -> None:
    with pytest.raises(InvalidInputError, match="origine"):
        check_origin(origin)


def test_origins_are_normalised() -> None:
    assert check_origin("https://CLSM-Metz.example/") == "https://clsm-metz.example"
    assert check_origin("http://127.0.0.1:8123") == "http://127.0.0.1:8123"
    p = check_presence({"embed_origins": ["https://a.example", "https://a.example/"]})
    assert p.embed_origins == ("https://a.example",)


def test_logo_by_its_bytes() -> None:
    assert check_logo(b"\x89PNG\r\n\x1a\nrest", max_bytes=100) == "image/png"
    assert check_logo(b"\xff\xd8\xff\xe0rest", max_bytes=100) == "image/jpeg"
    assert check_logo(b"RIFF\x00\x00\x00\x00WEBPVP8 ", max_bytes=100) == "image/webp"
    for bad in (b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"GIF89a", b""):
        with pytest.raises(InvalidInputError):
            check_logo(bad, max_bytes=100)
    with pytest.raises(InvalidInputError, match="trop lourd"):
        check_logo(b"\x89PNG\r\n\x1a\n" + b"0" * 100, max_bytes=100)


def test_bad_shapes_are_french_errors_not_crashes() -> None:
    for fields in ({"local_numbers": "03 87"}, {"default_types": "CMP"}, {"embed_origins": "https://a.example"}):
        with pytest.raises(InvalidInputError):
            check_presence(fields)
