"""A small portfolio: copies of the example that differ in who was served, plus a broken one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

import evalkit as ek

#: share of served workers kept in each copy (smaller share: fewer people, noisier estimate)
SHARES = (1.0, 0.5, 0.3)


def make_portfolio(root: Path, shares: tuple[float, ...] = SHARES, broken: bool = True) -> Path:
    source = ek.datasets.path("workers_home")
    for i, share in enumerate(shares):
        folder = root / f"provider_{i}"
        shutil.copytree(source, folder)
        spec = yaml.safe_load((folder / "project.yaml").read_text(encoding="utf-8"))
        spec["project"]["id"] = f"P{i}"
        spec["project"]["name"]["en"] = f"Workers' Home {i}"
        (folder / "project.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True),
                                             encoding="utf-8")
        people = pd.read_csv(folder / "data" / "participants.csv", dtype=str)
        ids = people["worker_id"].drop_duplicates()
        keep = set(ids.sample(frac=share, random_state=i)) if share < 1 else set(ids)
        # keep every comparison worker: the comparison-group estimate stays identified
        keep |= set(people.loc[people["group"] == "comparison", "worker_id"])
        people[people["worker_id"].isin(keep)].to_csv(folder / "data" / "participants.csv",
                                                      index=False, lineterminator="\n")
    if broken:
        bad = root / "provider_broken"
        shutil.copytree(source, bad)
        (bad / "data" / "participants.csv").unlink()
    return root


@pytest.fixture(scope="session")
def portfolio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_portfolio(tmp_path_factory.mktemp("portfolio"))
