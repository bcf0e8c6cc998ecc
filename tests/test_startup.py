"""Start-up failures stop ``geo-clsm serve`` with one French line naming the file or setting and
the fix, never a traceback; a layer with some bad rows still loads, with its report."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geo_clsm import cli
from geo_clsm.cli.serve import check_layers_readable
from geo_clsm.data.layers import load_catalog

LAYERS = Path(__file__).resolve().parent.parent / "layers"


def _data_dir(tmp_path: Path) -> Path:
    """A copy of the shipped data folder whose files are links to the shipped layers."""
    out = tmp_path / "layers"
    for sub in ("pilots", "france"):
        (out / sub).mkdir(parents=True)
        for f in (LAYERS / sub).iterdir():
            (out / sub / f.name).symlink_to(f)
    shutil.copy(LAYERS / "manifest.toml", out / "manifest.toml")
    return out


def _serve(data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    import uvicorn

    started: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: started.append(a))
    # serve sets these for its workers: restored after the test (later subprocesses inherit the environment)
    monkeypatch.setenv("GEO_CLSM_DATA_DIR", str(data))
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
    code = cli.main(["serve", "--data", str(data), "--port", "9"])
    err = capsys.readouterr().err
    assert not started, "the server must not start"
    return code, err


def _one_french_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("erreur au démarrage : ")
    return lines[0]


def test_missing_layer_file_in_a_real_process(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    (data / "pilots" / "qpv2024_metz_angouleme.geojson").unlink()
    exe = Path(sys.executable).parent / "geo-clsm"
    proc = subprocess.run(
        [str(exe), "serve", "--data", str(data), "--port", "9"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2
    line = _one_french_line(proc.stderr)
    assert "pilots/qpv2024_metz_angouleme.geojson" in line
    assert "fichier absent" in line and "--data" in line


def test_corrupt_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    data = _data_dir(tmp_path)
    (data / "manifest.toml").write_text("[[layer]\nid = ", encoding="utf-8")
    code, err = _serve(data, capsys, monkeypatch)
    line = _one_french_line(err)
    assert code == 2
    assert "manifeste illisible" in line and str(data / "manifest.toml") in line


def test_manifest_with_a_wrong_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data_dir(tmp_path)
    text = (data / "manifest.toml").read_text(encoding="utf-8")
    (data / "manifest.toml").write_text(text.replace('kind = "qpv"', 'kind = "quartiers"', 1), encoding="utf-8")
    code, err = _serve(data, capsys, monkeypatch)
    line = _one_french_line(err)
    assert code == 2 and "qpv2024_pilots" in line


def test_unreadable_layer_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _data_dir(tmp_path)
    qpv = data / "pilots" / "qpv2024_metz_angouleme.geojson"
    qpv.unlink()
    qpv.write_text('{"type": "FeatureCollection", "features": [{"type":', encoding="utf-8")
    code, err = _serve(data, capsys, monkeypatch)
    line = _one_french_line(err)
    assert code == 2
    assert "couches illisibles" in line and str(qpv) in line and "fichier illisible" in line


def test_invalid_setting_names_the_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEO_CLSM_MAX_BODY_BYTES", "beaucoup")
    code, err = _serve(LAYERS, capsys, monkeypatch)
    line = _one_french_line(err)
    assert code == 2 and "GEO_CLSM_MAX_BODY_BYTES" in line


def test_a_layer_with_some_bad_rows_loads_with_its_report(tmp_path: Path) -> None:
    data = _data_dir(tmp_path)
    res = data / "pilots" / "resources_metz_angouleme.csv"
    text = res.read_text(encoding="utf-8")
    res.unlink()
    header, first, *_ = text.splitlines()
    cols = header.split(",")
    # two broken rows: a copy of the first row with an unknown type, and a row of the wrong width
    bad = first.split(",")
    bad[cols.index("id")] = "synthetic_bad_type"
    bad[cols.index("type")] = "PAS_UN_TYPE"
    res.write_text(
        text.rstrip("\n") + "\n" + ",".join(bad) + "\nsynthetic_short_row,Eurométropole de Metz\n", encoding="utf-8"
    )
    good = load_catalog(LAYERS, territories=["metz"])
    catalog = load_catalog(data, territories=["metz"])
    report = catalog.reports["metz:resources_pilots"]
    assert report.is_complete()
    assert len(report.rejected) == 2
    assert report.rows_read == good.reports["metz:resources_pilots"].rows_read + 2
    assert len(catalog.resources) == len(good.resources)
    check_layers_readable(catalog.reports)  # some bad rows: the service starts


def test_missing_layer_file_with_several_workers(tmp_path: Path) -> None:
    """With --workers, the layers are checked in a child process: the same one line, exit 2, no worker started."""
    data = _data_dir(tmp_path)
    (data / "pilots" / "qpv2024_metz_angouleme.geojson").unlink()
    exe = Path(sys.executable).parent / "geo-clsm"
    proc = subprocess.run(
        [str(exe), "serve", "--data", str(data), "--port", "9", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 2
    line = _one_french_line(proc.stderr)
    assert "pilots/qpv2024_metz_angouleme.geojson" in line and "fichier absent" in line
    assert "Uvicorn running" not in proc.stderr


def test_a_start_up_failure_leaves_the_garbage_collector_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve` loads with the cyclic collector off: a failed start-up turns it back on."""
    import gc

    data = _data_dir(tmp_path)
    (data / "manifest.toml").write_text("[[layer]\nid = ", encoding="utf-8")
    assert gc.isenabled()
    code, _ = _serve(data, capsys, monkeypatch)
    assert code == 2 and gc.isenabled()
