"""The rules file: validated on load with one-line errors, and every rule's own examples behave."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clearpicture.errors import ConfigError
from clearpicture.language import CATEGORIES, load_rules
from clearpicture.language.matcher import Matcher, default_matcher
from clearpicture.language.rules import default_rules_path

RULES = load_rules()


def _write_variant(tmp_path: Path, mutate: object) -> Path:
    data = yaml.safe_load(default_rules_path().read_text(encoding="utf-8"))
    mutate(data)  # type: ignore[operator]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_rules_are_versioned_and_cover_every_category() -> None:
    assert RULES.version.count(".") == 2
    assert {r.category for r in RULES.rules} == set(CATEGORIES)


def test_every_rule_cites_a_listed_source_with_a_title() -> None:
    for rule in RULES.rules:
        for src in rule.sources:
            assert RULES.sources[src].title


@pytest.mark.parametrize("rule", RULES.rules, ids=lambda r: r.id)
def test_rule_flags_its_examples_and_not_its_counter_examples(rule: object) -> None:
    matcher = default_matcher()
    for example in rule.examples:  # type: ignore[attr-defined]
        ids = {f.rule_id for f in matcher.review(example)}
        cats = {f.category for f in matcher.review(example)}
        assert rule.id in ids or rule.category in cats, example  # type: ignore[attr-defined]
    for counter in rule.counter_examples:  # type: ignore[attr-defined]
        assert rule.id not in {f.rule_id for f in matcher.review(counter)}, counter  # type: ignore[attr-defined]


def test_why_and_suggestion_texts_are_child_centred() -> None:
    # The product's own wording must not contain what it flags (quoted terms are fine).
    matcher = default_matcher()
    for rule in RULES.rules:
        for text in (rule.why, rule.suggestion):
            assert matcher.review(text) == [], (rule.id, text)


def test_bad_regex_names_file_and_key(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, lambda d: d["rules"][2]["patterns"].__setitem__(0, "(unclosed"))
    with pytest.raises(ConfigError) as err:
        load_rules(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and "rules[2].patterns[0]" in msg


def test_unknown_category_names_the_key(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, lambda d: d["rules"][0].__setitem__("category", "naughtiness"))
    with pytest.raises(ConfigError, match=r"rules\[0\]\.category: unknown category"):
        load_rules(path)


def test_missing_field_names_the_key(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, lambda d: d["rules"][1].pop("why"))
    with pytest.raises(ConfigError, match=r"rules\[1\]\.why: Field required"):
        load_rules(path)


def test_undeclared_source_and_unknown_macro_are_rejected(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, lambda d: d["rules"][3].__setitem__("sources", ["NOPE"]))
    with pytest.raises(ConfigError, match=r"rules\[3\]\.sources: 'NOPE'"):
        load_rules(path)
    path = _write_variant(tmp_path, lambda d: d["rules"][0]["patterns"].append("{NOSUCH}"))
    with pytest.raises(ConfigError, match=r"rules\[0\]\.patterns\[1\]: .*unknown macro"):
        load_rules(path)


def test_yaml_boolean_term_is_reported(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, lambda d: d["rules"][0]["terms"].append(False))
    with pytest.raises(ConfigError, match=r"rules\[0\]\.terms\[\d+\]"):
        load_rules(path)


def test_unreadable_and_invalid_yaml_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_rules(bad)


def test_a_local_rules_file_changes_what_is_found(tmp_path: Path) -> None:
    def shrink(d: dict) -> None:  # type: ignore[type-arg]
        d["version"] = "9.0.0"
        d["rules"] = [r for r in d["rules"] if r["id"] == "adu.streetwise"]

    matcher = Matcher(load_rules(_write_variant(tmp_path, shrink)))
    assert matcher.version == "9.0.0"
    assert [f.rule_id for f in matcher.review("Streetwise girl, promiscuous.")] == ["adu.streetwise"]
