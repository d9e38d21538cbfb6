from __future__ import annotations


import pytest
import yaml

from flashpoint.ontology import Ontology
from flashpoint.training.config import ConfigError, dump_config, load_config


def test_ontology_has_the_30_types_and_5_roles(ontology):
    assert len(ontology.type_ids) == 30
    assert ontology.role_ids == ["actor", "target", "location", "time", "fatalities"]
    acled = [t for t in ontology.event_types if t.acled_event_type]
    assert len(acled) == 25
    assert {t.id for t in ontology.event_types if not t.acled_event_type} == {
        "diplomacy", "organised_crime", "natural_disaster", "man_made_disaster", "attribution"}
    assert sorted(t.precedence for t in ontology.event_types) == list(range(1, 31))


def test_ontology_round_trips_and_rejects_unknown_keys(ontology, tmp_path):
    ontology.to_yaml(tmp_path / "o.yaml")
    assert Ontology.from_yaml(tmp_path / "o.yaml") == ontology
    raw = yaml.safe_load((tmp_path / "o.yaml").read_text())
    raw["event_types"][0]["colour"] = "red"
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(Exception, match="colour"):
        Ontology.from_yaml(tmp_path / "bad.yaml")


def test_unknown_config_key_is_named(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("training:\n  epocs: 3\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "training.epocs: unknown key" in str(error.value)


def test_bad_value_is_named_with_its_input(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("training:\n  learning_rate: fast\nmodel:\n  max_length: 4\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert "training.learning_rate" in message and "'fast'" in message
    assert "model.max_length" in message


def test_scientific_notation_is_a_number_and_overrides_apply(repo):
    config = load_config(repo / "configs/default.yaml", ["training.epochs=1", "training.learning_rate=1e-5"])
    assert config.training.epochs == 1
    assert config.training.learning_rate == pytest.approx(1e-5)


def test_resolved_config_round_trips(repo, tmp_path):
    config = load_config(repo / "configs/default.yaml", ["model.num_layers=2"])
    dump_config(config, tmp_path / "resolved.yaml")
    assert load_config(tmp_path / "resolved.yaml") == config


def test_override_must_be_dotted_assignment(repo):
    with pytest.raises(ConfigError, match="section.key=value"):
        load_config(repo / "configs/default.yaml", ["training.epochs"])
