"""Config validation over generated files: each bad value is named once by its field path, good
values are taken as given, secrets are never echoed, and what the canary needs is checked up
front (whole steps for weighted routers, a cap only for the replica router, unique names)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.config import (
    ConfigError,
    DeploymentConfig,
    default_audit_path,
    default_config_path,
    demo_audit_path,
    load_settings,
)
from tests.budget import budget

#: A field of a deployment, a value it takes (as TOML) and one it refuses.
FIELDS: dict[str, tuple[str, str]] = {
    "replica_capacity_rps": ("8.5", "0"),
    "headroom": ("0.5", "-0.1"),
    "min_canary_replicas": ("2", "-1"),
    "warm_timeout": ('"5m"', '"soon"'),
    "steps": ("[10, 50, 100]", "[50, 10]"),
    "finish_keep_stable": ("3", "-3"),
    "gates.min_requests": ("50", "-5"),
    "gates.max_error_share": ("0.05", "1.5"),
    "gates.max_ttft_p99_ratio": ("1.5", "0"),
    "gates.window": ('"10m"', '"10 parsecs"'),
    "router.kind": ('"istio"', '"nginx"'),
    "cost.gpus_per_replica": ("2", "0"),
    "cost.price_in_per_mtok": ("0.5", "-1"),
}
GOOD = {"replica_capacity_rps": 8.5, "headroom": 0.5, "warm_timeout": 300.0}


def deployment_toml(index: int, settings: dict[str, str]) -> str:
    top = [f'name = "d{index}"', f'stable = "s{index}"', f'canary = "c{index}"']
    sections: dict[str, list[str]] = {}
    for key, value in settings.items():
        if "." in key:
            section, name = key.split(".", 1)
            sections.setdefault(section, []).append(f"{name} = {value}")
        else:
            top.append(f"{key} = {value}")
    text = "[[deployments]]\n" + "\n".join(top) + "\n"
    for section, lines in sections.items():
        text += f"[deployments.{section}]\n" + "\n".join(lines) + "\n"
    return text


def load(tmp: Path, text: str) -> Any:
    path = tmp / "config.toml"
    path.write_text(text)
    return path, load_settings(path)


@budget(60)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(sorted(FIELDS)), st.booleans()), min_size=1, max_size=3
    ),
)
def test_every_bad_value_is_named_once_by_its_path(
    tmp_path_factory: pytest.TempPathFactory, choices: list[dict[str, bool]]
) -> None:
    tmp = tmp_path_factory.mktemp("cfg")
    text = ""
    bad: list[str] = []
    for i, fields in enumerate(choices):
        chosen = {k: FIELDS[k][1] if is_bad else FIELDS[k][0] for k, is_bad in fields.items()}
        text += deployment_toml(i, chosen)
        bad += [f"deployments[{i}].{k}" for k, is_bad in fields.items() if is_bad]
    path = tmp / "config.toml"
    path.write_text(text)
    if not bad:
        settings = load_settings(path)
        assert [d.name for d in settings.deployments] == [f"d{i}" for i in range(len(choices))]
        for d, fields in zip(settings.deployments, choices, strict=True):
            for key in fields:
                if key in GOOD:
                    assert getattr(d, key) == GOOD[key]
        return
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    problems = caught.value.problems
    assert len(problems) == len(bad), problems
    for field in bad:
        named = [p for p in problems if p.startswith(f"{path}: {field}:")]
        assert len(named) == 1, (field, problems)


def test_fractional_steps_need_the_replica_router(tmp_path: Path) -> None:
    """Route weights are whole numbers out of 100: a 0.5 % step would never move and 1.5 %
    would overshoot, so they are refused for weighted routers before anything runs."""
    for kind in ("httproute", "istio", "kserve"):
        with pytest.raises(ValueError):
            DeploymentConfig(
                name="d", stable="s", canary="c", steps=(0.5, 1.5, 100), router={"kind": kind}
            )
    ratio = DeploymentConfig(
        name="d", stable="s", canary="c", steps=(0.5, 1.5, 100), router={"kind": "replicas"}
    )
    assert ratio.steps == (0.5, 1.5, 100)
    path = tmp_path / "config.toml"
    path.write_text(deployment_toml(0, {"steps": "[0.5, 100]"}))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert [p.split(": ")[1] for p in caught.value.problems] == ["deployments[0]"]


@pytest.mark.parametrize(
    ("settings", "ok"),
    [
        ({"router.kind": '"replicas"', "router.max_replicas": "10"}, True),
        ({"router.kind": '"httproute"', "router.max_replicas": "10"}, False),
        ({"router.kind": '"replicas"', "router.max_replicas": "0"}, False),
        ({"steps": "[]"}, False),
        ({"steps": "[0, 50]"}, False),
        ({"steps": "[50, 100.5]"}, False),
        ({"steps": "[5, 5, 100]"}, False),
        ({"steps": "[100]"}, True),
        ({"headroom": "10"}, True),
        ({"headroom": "10.5"}, False),
        ({"replica_capacity_rps": "1e6"}, True),
        ({"replica_capacity_rps": "1.5e6"}, False),
        ({"finish_keep_stable": "10001"}, False),
        ({"gates.max_share_deviation": "0"}, True),
        ({"gates.max_share_deviation": "-0.1"}, False),
        ({"gates.max_itl_p99_s": "0"}, False),
        ({"replica_capacity_rps": "nan"}, False),
        ({"headroom": "inf"}, False),
    ],
)
def test_bounds(tmp_path: Path, settings: dict[str, str], ok: bool) -> None:
    path = tmp_path / "config.toml"
    path.write_text(deployment_toml(0, settings))
    if ok:
        assert load_settings(path).deployments[0].name == "d0"
    else:
        with pytest.raises(ConfigError):
            load_settings(path)


def test_one_name_twice_and_same_tracks_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(deployment_toml(0, {}) + deployment_toml(0, {}))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert len(caught.value.problems) == 1 and "d0" in caught.value.problems[0]


@budget(40)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=12, max_size=40))
def test_a_secret_is_never_echoed(tmp_path_factory: pytest.TempPathFactory, secret: str) -> None:
    """A token of the wrong type is reported by its field, never by its value."""
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_text(f'[prometheus]\nbearer_token = ["{secret}"]\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    text = "\n".join(caught.value.problems)
    assert "prometheus.bearer_token" in text and secret not in text


def test_unreadable_files_are_one_line_each(tmp_path: Path) -> None:
    for text, data in (
        ("not UTF-8", b"\xff\xfe = 1"),
        ("larger", b"#" * ((1 << 20) + 1)),
        ("nested too deeply", b"a = " + b"[" * 5000 + b"]" * 5000),
    ):
        path = tmp_path / "config.toml"
        path.write_bytes(data)
        with pytest.raises(ConfigError) as caught:
            load_settings(path)
        assert len(caught.value.problems) == 1 and text in caught.value.problems[0], text
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    assert "directory" in caught.value.problems[0]


def test_read_only_is_one_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text("read_only = true\n")
    assert load_settings(path).read_only
    monkeypatch.setenv("INFERENCE_CONSOLE_READ_ONLY", "false")
    assert load_settings(path).read_only  # the environment cannot take it back
    path.write_text("read_only = false\n")
    monkeypatch.setenv("INFERENCE_CONSOLE_READ_ONLY", "yes")
    settings = load_settings(path)
    assert settings.read_only and "INFERENCE_CONSOLE_READ_ONLY" in settings.read_only_from
    monkeypatch.setenv("INFERENCE_CONSOLE_READ_ONLY", "0")
    assert not load_settings(path).read_only


def test_the_environment_overrides_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('refresh_interval = "5s"\n')
    assert load_settings(path).refresh_interval == 5.0
    monkeypatch.setenv("INFERENCE_CONSOLE_REFRESH_INTERVAL", "2s")
    assert load_settings(path).refresh_interval == 2.0
    monkeypatch.setenv("INFERENCE_CONSOLE_REFRESH_INTERVAL", "[1, 2]")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    (line,) = caught.value.problems
    assert "refresh_interval" in line.lower()


# Where files are, where a problem came from, and the limits of what is read — each found
# unpinned by mutation testing.


def test_default_paths_follow_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    assert default_config_path() == tmp_path / ".config" / "inference-console" / "config.toml"
    state = tmp_path / ".local" / "state" / "inference-console"
    assert default_audit_path() == state / "audit.jsonl"
    assert demo_audit_path() == state / "demo-audit.jsonl"
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    assert default_audit_path() == tmp_path / "s" / "inference-console" / "audit.jsonl"
    assert default_config_path() == tmp_path / "c" / "inference-console" / "config.toml"
    assert load_settings(None).audit.path == default_audit_path()


def test_a_problem_names_where_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFERENCE_CONSOLE_REFRESH_INTERVAL", "fast")
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    assert caught.value.problems[0].startswith(
        "environment: INFERENCE_CONSOLE_REFRESH_INTERVAL: refresh_interval: "
    )
    monkeypatch.delenv("INFERENCE_CONSOLE_REFRESH_INTERVAL")
    assert load_settings(None).refresh_interval == 1.0
    path = tmp_path / "config.toml"
    path.write_text("this is = = not toml")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.problems[0].startswith(f"{path}: ")


def test_an_environment_value_of_the_wrong_shape_is_named_not_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INFERENCE_CONSOLE_DEPLOYMENTS", "s3cr3t-not-json")
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    (line,) = caught.value.problems
    assert line.startswith("environment: INFERENCE_CONSOLE_DEPLOYMENTS: ")
    assert "s3cr3t" not in line


@pytest.mark.parametrize("word", ["1", "true", "TRUE", "yes", "on"])
def test_read_only_words_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, word: str
) -> None:
    monkeypatch.setenv("INFERENCE_CONSOLE_READ_ONLY", word)
    settings = load_settings(None)
    assert settings.read_only
    assert "INFERENCE_CONSOLE_READ_ONLY" in settings.read_only_from


def test_read_only_says_which_source_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text("read_only = true\n")
    from_file = load_settings(path).read_only_from
    assert str(path) in from_file and "INFERENCE_CONSOLE_READ_ONLY" not in from_file
    monkeypatch.setenv("INFERENCE_CONSOLE_READ_ONLY", "1")
    both = load_settings(path).read_only_from
    assert str(path) in both and "INFERENCE_CONSOLE_READ_ONLY" in both
    path.write_text("")
    from_env = load_settings(path).read_only_from
    assert str(path) not in from_env and "INFERENCE_CONSOLE_READ_ONLY" in from_env
    monkeypatch.delenv("INFERENCE_CONSOLE_READ_ONLY")
    assert load_settings(path).read_only_from == "" and not load_settings(path).read_only


def test_a_file_of_exactly_the_limit_is_read_and_a_device_is_not(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"#" * ((1 << 20) - 1) + b"\n")
    assert load_settings(path).deployments == []
    with pytest.raises(ConfigError) as caught:
        load_settings(Path("/dev/zero"))  # never read to its end
    assert len(caught.value.problems) == 1


@pytest.mark.parametrize("length", [60, 61, 100])
def test_long_values_are_cut_in_a_problem_line(tmp_path: Path, length: int) -> None:
    value = "x" * (length - 2)  # its repr, with quotes, is `length` long
    path = tmp_path / "config.toml"
    path.write_text(deployment_toml(0, {"router.kind": f'"{value}"'}))
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    (line,) = caught.value.problems
    if length <= 60:
        assert f": {value!r}: " in line
    else:
        assert f": {repr(value)[:57]}...: " in line


def test_a_deployment_names_its_namespace_in_its_spec() -> None:
    spec = DeploymentConfig(name="d", namespace="inference", stable="s", canary="c").spec()
    assert (spec.name, spec.namespace, spec.stable, spec.canary) == ("d", "inference", "s", "c")


def test_a_path_through_a_file_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "file" / "config.toml")
    (line,) = caught.value.problems
    assert line.startswith(f"{tmp_path / 'file' / 'config.toml'}: ")


def test_a_bad_environment_value_is_blamed_on_its_variable_not_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "console.toml"
    config.write_text('[ui]\ntheme = "console-light"\n')
    monkeypatch.setenv("INFERENCE_CONSOLE_UI__WINDOW", "7m")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    (problem,) = caught.value.problems
    assert problem.startswith("environment: INFERENCE_CONSOLE_UI__WINDOW: ui.window:")
    assert str(config) not in problem
    # the file's own mistake is still the file's, beside a good variable
    config.write_text('[ui]\nrate_window = "soon"\n')
    monkeypatch.setenv("INFERENCE_CONSOLE_UI__WINDOW", "5m")
    monkeypatch.setenv("INFERENCE_CONSOLE_REFRESH_INTERVAL", "-1s")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert {p.split(":")[0] for p in caught.value.problems} == {"environment", str(config)}


def test_a_section_set_as_json_is_blamed_on_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The variable sets the whole section; the bad value is one level inside it.
    config = tmp_path / "console.toml"
    config.write_text('refresh_interval = "2s"\n')
    monkeypatch.setenv("INFERENCE_CONSOLE_UI", '{"window": "7m"}')
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    (problem,) = caught.value.problems
    assert problem.startswith("environment: INFERENCE_CONSOLE_UI: ui.window:")
