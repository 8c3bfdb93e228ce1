"""The flask CLI: seeds and stale statuses."""

import yaml

from sitedir.seeding import read_seeds
from tests.helpers import TEST_SEEDS


def test_seed_check(runner):
    result = runner.invoke(args=["seed", "check"])
    assert result.exit_code == 0, result.output
    assert "sites.yaml: 9 records" in result.output


def test_seed_load_refuses_to_overwrite(runner):
    result = runner.invoke(args=["seed", "load"])
    assert result.exit_code != 0
    assert "already holds data" in result.output


def test_seed_export_round_trips(runner, tmp_path):
    result = runner.invoke(args=["seed", "export", str(tmp_path)])
    assert result.exit_code == 0, result.output
    sites = yaml.safe_load((tmp_path / "sites.yaml").read_text(encoding="utf-8"))
    assert len(sites) == 9
    assert read_seeds(str(tmp_path)) == read_seeds(str(TEST_SEEDS))


def test_stale_lists_sites_never_confirmed(runner):
    result = runner.invoke(args=["stale", "--days", "30"])
    assert result.exit_code == 0
    assert "clermont-ferrand\trecruiting\tlast confirmed: never" in result.output
    assert "9 site(s) not confirmed" in result.output
