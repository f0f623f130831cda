"""The settings table: precedence, validation, unsafe secrets, unknown keys."""

import pytest

from civility.errors import ConfigError
from civility.settings import SETTINGS, example_toml, load_settings


def test_defaults_come_from_the_table():
    settings = load_settings(environ={})
    for setting in SETTINGS:
        assert settings[setting.name] == setting.default


def test_env_overrides_file_and_file_overrides_default(tmp_path):
    config = tmp_path / "civility.toml"
    config.write_text('[civility]\npage_size = 20\nsite_name = "The Daily"\n')
    settings = load_settings(environ={"CIVILITY_PAGE_SIZE": "7"}, config_path=config)
    assert settings.page_size == 7
    assert settings.site_name == "The Daily"


def test_unknown_key_in_file_is_named(tmp_path):
    config = tmp_path / "civility.toml"
    config.write_text("[civility]\npage_sise = 20\n")
    with pytest.raises(ConfigError, match="page_sise"):
        load_settings(environ={}, config_path=config)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"CIVILITY_PAGE_SIZE": "many"}, "expected int"),
        ({"CIVILITY_MODERATION": "sometimes"}, "not one of"),
        ({"CIVILITY_DEMO": "perhaps"}, "expected bool"),
        ({"CIVILITY_RATE_LIMIT_IP_PER_HOUR": "-1"}, "negative"),
    ],
)
def test_bad_values_get_clear_errors(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=env)


def test_placeholder_secret_refused_outside_demo():
    with pytest.raises(ConfigError, match="placeholder"):
        load_settings(environ={}, check_secret=True)
    assert load_settings(environ={"CIVILITY_DEMO": "1"}, check_secret=True).demo is True
    ok = load_settings(environ={"CIVILITY_SECRET_KEY": "x" * 32}, check_secret=True)
    assert ok.secret_key == "x" * 32


def test_example_toml_loads_back_to_the_defaults(tmp_path):
    text = example_toml()
    uncommented = "\n".join(line[2:] if line.startswith("# ") and " = " in line else line for line in text.splitlines())
    config = tmp_path / "all.toml"
    config.write_text(uncommented)
    settings = load_settings(environ={}, config_path=config)
    assert dict(settings) == {s.name: s.default for s in SETTINGS}


def test_every_setting_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in readme]
    assert not missing, f"settings missing from README.md: {missing}"
