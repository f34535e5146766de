"""The public face is small on purpose: a new public name must be a deliberate decision."""

from __future__ import annotations

import clearpicture


def test_exported_names_are_pinned() -> None:
    assert sorted(clearpicture.__all__) == [
        "AccessDenied",
        "ClearPictureError",
        "ConfigError",
        "EngineError",
        "InputError",
        "StageResult",
        "Store",
        "StoreError",
        "__version__",
        "open_store",
    ]
    for name in clearpicture.__all__:
        assert hasattr(clearpicture, name)


def test_error_families_have_distinct_exit_codes() -> None:
    codes = [clearpicture.ConfigError.exit_code, clearpicture.InputError.exit_code, clearpicture.StoreError.exit_code,
             clearpicture.EngineError.exit_code, clearpicture.AccessDenied.exit_code]
    assert len(set(codes)) == len(codes) and 0 not in codes
