"""The review checklist: the shipped file loads; invalid files give one ConfigError line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearpicture.errors import ConfigError
from clearpicture.investigations import load_checklist, load_config
from clearpicture.investigations.checklist import ClosedVictimDoesNotSupport


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "checklist.yaml"
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """version: "2"
checks:
  - id: quick-close
    kind: closed_victim_does_not_support
    outcomes: ["16"]
    within_days: 14
    populations: [sexual_child]
"""


def test_shipped_checklist_has_the_four_checks_of_the_issue() -> None:
    kinds = {c.kind for c in load_checklist().checks}
    assert kinds == {"victim_not_referred", "group_member_not_linked", "closed_victim_does_not_support",
                     "no_disruption_despite_missing"}


def test_custom_checklist_is_typed(tmp_path: Path) -> None:
    checks = load_checklist(_write(tmp_path, GOOD)).checks
    assert isinstance(checks[0], ClosedVictimDoesNotSupport)
    assert checks[0].within_days == 14 and checks[0].outcomes == ("16",)


@pytest.mark.parametrize(("text", "key"), [
    (GOOD.replace("within_days: 14", "within_days: soon"), "checks[0].within_days"),
    (GOOD.replace("within_days: 14", "within_days: -3"), "checks[0].within_days"),
    (GOOD.replace("    populations: [sexual_child]", "    populations: [adults]"), "checks[0].populations[0]"),
    (GOOD.replace("    within_days: 14", "    within_days: 14\n    colour: red"), "checks[0].colour"),
    (GOOD.replace("kind: closed_victim_does_not_support", "kind: gut_feeling"), "checks[0]"),
    (GOOD.replace("id: quick-close", "id: Quick Close!"), "checks[0].id"),
    (GOOD.replace('version: "2"\n', ""), "version"),
    (GOOD + GOOD.split("checks:\n")[1], "checks[1].id"),
])
def test_invalid_checklist_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_checklist(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {key}:"), message


def test_unreadable_and_non_yaml_checklists_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_checklist(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="not valid YAML at line"):
        load_checklist(_write(tmp_path, "checks: [\n  - {id: a\n"))
    with pytest.raises(ConfigError, match=r"\(top level\)"):
        load_checklist(_write(tmp_path, "- just a list\n"))


def test_stage_config_rejects_unknown_keys_naming_them() -> None:
    with pytest.raises(ConfigError, match="investigations config: referal_days: Extra inputs"):
        load_config({"referal_days": 7})
    with pytest.raises(ConfigError, match="referral_days"):
        load_config({"referral_days": "a week"})
    assert load_config({"referral_days": 3}).referral_days == 3
