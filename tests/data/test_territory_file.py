"""The local territories file stays readable whatever is accepted (issue 25, item 5): a name with
a control character is refused (French, naming the field), and the file is written by a TOML
writer, atomically. Territory names here are synthetic."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from geo_clsm.data.local_territories import add_territory
from geo_clsm.data.manifest import read_manifest
from geo_clsm.data.territories import Selection, read_local
from geo_clsm.model.errors import InvalidInputError

LAYERS = Path(__file__).resolve().parents[2] / "layers"
METZ_COMMUNES = Selection(communes=("57463",))


@pytest.mark.parametrize(
    "name", ["Synthétique\x7f", "Synthétique\x00", "Synth\x1bétique", "ligne 1\nligne 2", "a\tb", "NEL\u0085"]
)
def test_a_name_with_a_control_character_is_refused_and_nothing_written(tmp_path: Path, name: str) -> None:
    local = tmp_path / "territories.toml"
    with pytest.raises(InvalidInputError, match="champ name"):
        add_territory(local, data_dir=LAYERS, territory_id="synthetique", name=name, selection=METZ_COMMUNES)
    assert not local.exists()


def test_every_accepted_name_reads_back_and_the_service_still_starts(tmp_path: Path) -> None:
    local = tmp_path / "territories.toml"
    names = ['Synthétique "guillemets" \\ barre', "Synthétique ]] [[territory]] #", "Synthétique\u2028 ١٢٣ 🏥"]
    for i, name in enumerate(names):
        add_territory(local, data_dir=LAYERS, territory_id=f"synth-{i}", name=name, selection=METZ_COMMUNES)
    assert [e["name"] for e in read_local(local)] == names
    tomllib.loads(local.read_text(encoding="utf-8"))
    _, territories = read_manifest(LAYERS, local_file=local)
    assert [territories[f"synth-{i}"].name for i in range(len(names))] == names
    assert [p.name for p in tmp_path.iterdir()] == ["territories.toml"]  # no temporary file left
